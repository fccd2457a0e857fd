"""Chat completions: one path for HTTP and sockets.

`stream_reply` and `complete_reply` route the request to a provider, reserve the user's token
budget, call the provider, store the exchange in the conversation when one is given, record a
usage row, settle the budget and run the plugin hooks. See docs/chat.md for the contract.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException, NotFound, ValidationError

from chat import budget, keys, metrics, pricing
from chat.models import Usage as UsageRow
from chat.plugins import run_hook
from chat.providers import PROVIDERS, provider_name_for_model
from chat.providers.base import CompletionRequest, Provider, ProviderUnavailable, Usage
from chat.tokens import estimate_prompt_tokens, estimate_tokens
from chatstudio.exceptions import BadRequest
from conversations import services as conversation_services
from conversations.cache import bump_user_version
from conversations.models import Conversation, Role

logger = logging.getLogger(__name__)

REMOTE_PROVIDERS = ("openai", "anthropic")


def database_sync_to_async(func):
    """Channels' helper (stale connections closed around the call), except inside an atomic block,
    where closing would break the caller's transaction (the test suite's, or a caller's own)."""

    def run(*args, **kwargs):
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            if not connection.in_atomic_block:
                close_old_connections()

    return sync_to_async(run, thread_sensitive=True)


@dataclass(frozen=True)
class ReplyChunk:
    content: str


@dataclass(frozen=True)
class ReplyCompleted:
    content: str  # the whole reply text
    model: str
    tokens: int  # output tokens (what the client shows)
    input_tokens: int
    output_tokens: int
    message_id: str | None  # the stored assistant message's public id, when a conversation was given
    stopped: bool  # True when cancelled/failed part-way (partial text stored marked stopped)
    error: APIException | None = None  # set when the provider failed after the first chunk
    provider: str = ""
    cost: Decimal = Decimal("0")
    estimated: bool = False  # tokens estimated because the provider reported none


# Routing


def _user_key(user, provider: str) -> str | None:
    return keys.provider_key_for(user=user, provider=provider) if provider in REMOTE_PROVIDERS else None


def available_models(*, user=None) -> list[dict]:
    """The models this server can serve for `user` now: the local ones, and the priced models of
    each provider that has a server key, a base URL or the user's own key."""
    user_keys = keys.provider_keys_for(user=user)
    models = []
    for model in pricing.PRICES:
        name = provider_name_for_model(model)
        provider = PROVIDERS[name]
        if provider.is_configured(api_key=user_keys.get(name)):
            models.append({"id": model, "provider": name})
    return models


def _model_list(user) -> str:
    return ", ".join(m["id"] for m in available_models(user=user))


def _default_model_for(provider_name: str) -> str:
    if provider_name == "local":
        return "local-echo"
    return next(model for model in pricing.PRICES if provider_name_for_model(model) == provider_name)


def route(*, user, model: str | None, provider: str | None = None) -> tuple[Provider, str, str | None]:
    """(provider, model, the user's own key or None) for a request; 400 for an unknown model or provider.

    With no remote provider configured at all, every model is answered by the local model.
    """
    model = model or settings.DEFAULT_CHAT_MODEL
    if provider is not None:
        if provider not in PROVIDERS:
            raise BadRequest(
                _("Unknown provider %(provider)s; use one of: %(choices)s.")
                % {"provider": provider, "choices": ", ".join(PROVIDERS)},
                code="unknown_provider",
            )
        name = provider
        if provider_name_for_model(model) != name:
            model = _default_model_for(name)
        api_key = _user_key(user, name)
        if not PROVIDERS[name].is_configured(api_key=api_key):
            raise BadRequest(
                _("The %(provider)s provider is not configured on this server. Available models: %(models)s.")
                % {"provider": name, "models": _model_list(user)},
                code="provider_not_configured",
            )
        return PROVIDERS[name], model, api_key

    name = provider_name_for_model(model)
    if name is None:
        raise BadRequest(
            _("Unknown model %(model)s. Available models: %(models)s.") % {"model": model, "models": _model_list(user)},
            code="unknown_model",
        )
    user_keys = keys.provider_keys_for(user=user)
    api_key = user_keys.get(name)
    if PROVIDERS[name].is_configured(api_key=api_key):
        return PROVIDERS[name], model, api_key
    remote_configured = any(PROVIDERS[n].is_configured(api_key=user_keys.get(n)) for n in REMOTE_PROVIDERS)
    if not remote_configured:
        # The embedded default: no keys anywhere, so the local model answers (and says so).
        return PROVIDERS["local"], settings.DEFAULT_CHAT_MODEL, None
    raise BadRequest(
        _("Model %(model)s is not available: its provider is not configured. Available models: %(models)s.")
        % {"model": model, "models": _model_list(user)},
        code="model_unavailable",
    )


# Preparation and bookkeeping (sync, in a worker thread)


@dataclass
class _Plan:
    user: object
    provider: Provider
    request: CompletionRequest
    conversation: Conversation | None
    user_message: str | None
    reservation: budget.Reservation | None
    prompt_tokens: int


def _clean(messages: list[dict]) -> list[dict]:
    cleaned = []
    for message in messages:
        role, content = message.get("role"), message.get("content")
        if role not in Role.values or not isinstance(content, str):
            raise ValidationError({"messages": [_("Each message needs a role (user, assistant, system) and content.")]})
        cleaned.append({"role": role, "content": content})
    return cleaned


def _prepare(*, user, messages, model, temperature, max_tokens, conversation_id, provider, with_history) -> _Plan:
    messages = _clean(messages)
    if not messages and not with_history:
        raise ValidationError({"messages": [_("At least one message is required.")]})
    chosen, model, api_key = route(user=user, model=model, provider=provider)
    conversation = None
    if conversation_id is not None:
        conversation = Conversation.objects.owned_by(user).filter(public_id=conversation_id).first()
        if conversation is None:
            raise NotFound(_("No conversation with this id belongs to you."))
    prompt = list(messages)
    if with_history and conversation is not None:
        history = [{"role": m.role, "content": m.content} for m in conversation.messages.in_order()]
        prompt = history + prompt
    system_parts = [conversation.system_prompt] if conversation is not None and conversation.system_prompt else []
    system_parts += [m["content"] for m in prompt if m["role"] == Role.SYSTEM]
    turns = [m for m in prompt if m["role"] != Role.SYSTEM]
    if not turns:
        raise ValidationError({"messages": [_("At least one user or assistant message is required.")]})
    system = "\n\n".join(system_parts)
    max_tokens = max_tokens or settings.CHAT_DEFAULT_MAX_TOKENS
    prompt_tokens = estimate_prompt_tokens(system=system, messages=turns)
    reservation = budget.budget_reserve(user=user, tokens=prompt_tokens + max_tokens)
    user_message = next((m["content"] for m in reversed(messages) if m["role"] == Role.USER), None)
    return _Plan(
        user=user,
        provider=chosen,
        request=CompletionRequest(
            model=model,
            messages=turns,
            system=system,
            temperature=temperature,
            max_tokens=max_tokens,
            api_key=api_key,
        ),
        conversation=conversation,
        user_message=user_message,
        reservation=reservation,
        prompt_tokens=prompt_tokens,
    )


@dataclass(frozen=True)
class _Stored:
    message_ids: list[tuple[str, str]]  # (public id, role)
    assistant_id: str | None
    cost: Decimal


@transaction.atomic
def _finish(
    *,
    plan: _Plan,
    content: str,
    usage: Usage,
    latency_ms: int,
    first_chunk_ms: int | None,
    streamed: bool,
    stopped: bool,
) -> _Stored:
    """Stores the exchange (user message then reply) when a conversation was given, records the
    usage row and settles the budget, in one transaction."""
    stored: list[tuple[str, str]] = []
    assistant_id = None
    if plan.conversation is not None:
        if plan.user_message is not None:
            message = conversation_services.message_append(
                conversation=plan.conversation, data={"role": Role.USER, "content": plan.user_message}
            )
            stored.append((message.public_id, Role.USER))
        reply = conversation_services.message_append(
            conversation=plan.conversation,
            data={
                "role": Role.ASSISTANT,
                "content": content,
                "model": plan.request.model,
                "tokens": usage.output_tokens,
                "stopped": stopped,
            },
        )
        assistant_id = reply.public_id
        stored.append((reply.public_id, Role.ASSISTANT))
    cost = pricing.cost_of(model=plan.request.model, input_tokens=usage.input_tokens, output_tokens=usage.output_tokens)
    UsageRow.objects.create(
        user=plan.user,
        provider=plan.provider.name,
        model=plan.request.model,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cost=cost,
        latency_ms=latency_ms,
        first_chunk_ms=first_chunk_ms,
        estimated=usage.estimated,
        streamed=streamed,
        stopped=stopped,
    )
    budget.budget_settle(reservation=plan.reservation, used_tokens=usage.input_tokens + usage.output_tokens)
    # /api/stats is cached per user version; a usage row changes it even without a conversation.
    owner_id = plan.user.pk
    transaction.on_commit(lambda: bump_user_version(owner_id))
    transaction.on_commit(
        lambda: metrics.completion_observe(
            provider=plan.provider.name,
            model=plan.request.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost,
            latency_ms=latency_ms,
            first_chunk_ms=first_chunk_ms,
            stopped=stopped,
        )
    )
    return _Stored(message_ids=stored, assistant_id=assistant_id, cost=cost)


def _release(plan: _Plan) -> None:
    budget.budget_settle(reservation=plan.reservation, used_tokens=0)


def _usage_or_estimate(plan: _Plan, usage: Usage | None, content: str) -> Usage:
    if usage is not None:
        return usage
    return Usage(input_tokens=plan.prompt_tokens, output_tokens=estimate_tokens(content), estimated=True)


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


async def _complete_bookkeeping(
    plan: _Plan,
    *,
    content: str,
    usage: Usage | None,
    started: float,
    first_chunk_at: float | None,
    streamed: bool,
    stopped: bool,
    error: APIException | None = None,
) -> ReplyCompleted:
    usage = _usage_or_estimate(plan, usage, content)
    stored = await database_sync_to_async(_finish)(
        plan=plan,
        content=content,
        usage=usage,
        latency_ms=_ms(time.perf_counter() - started),
        first_chunk_ms=_ms(first_chunk_at - started) if first_chunk_at is not None else None,
        streamed=streamed,
        stopped=stopped,
    )
    conversation_id = plan.conversation.public_id if plan.conversation is not None else None
    for message_id, role in stored.message_ids:
        await run_hook(
            "message_stored", user=plan.user, conversation_id=conversation_id, message_id=message_id, role=role
        )
    await run_hook(
        "after_completion",
        user=plan.user,
        provider=plan.provider.name,
        model=plan.request.model,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cost=stored.cost,
        latency_ms=_ms(time.perf_counter() - started),
        first_chunk_ms=_ms(first_chunk_at - started) if first_chunk_at is not None else None,
        estimated=usage.estimated,
        stopped=stopped,
        conversation_id=conversation_id,
    )
    return ReplyCompleted(
        content=content,
        model=plan.request.model,
        tokens=usage.output_tokens,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        message_id=stored.assistant_id,
        stopped=stopped,
        error=error,
        provider=plan.provider.name,
        cost=stored.cost,
        estimated=usage.estimated,
    )


async def _shielded(coroutine):
    """Runs bookkeeping to the end even when the caller is being cancelled."""
    return await asyncio.shield(asyncio.ensure_future(coroutine))


async def _plan_for(**kwargs) -> _Plan:
    plan = await database_sync_to_async(_prepare)(**kwargs)
    await run_hook(
        "before_completion",
        user=plan.user,
        provider=plan.provider.name,
        model=plan.request.model,
        messages=plan.request.messages,
    )
    return plan


def _as_provider_error(exc: Exception, provider: Provider) -> APIException:
    if isinstance(exc, APIException):
        return exc
    logger.exception("Unexpected failure from %s", provider.name)
    return ProviderUnavailable(_("%(provider)s failed unexpectedly.") % {"provider": provider.label})


# The two entry points


async def stream_reply(
    *,
    user,
    messages: list[dict],
    model: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    conversation_id: str | None = None,
    provider: str | None = None,
    with_history: bool = False,
) -> AsyncIterator[ReplyChunk | ReplyCompleted]:
    """Yields a ReplyChunk per provider piece, then one ReplyCompleted.

    Errors before the first chunk raise (mapped APIException). A failure after it ends with
    ReplyCompleted(stopped=True, error=...). Closing or cancelling the iteration closes the
    upstream stream and stores the partial reply marked stopped. Stores messages (pushing
    `conversation_updated` after commit), records usage, settles the budget, runs plugin hooks.
    """
    plan = await _plan_for(
        user=user,
        messages=messages,
        model=model,
        temperature=temperature,
        max_tokens=max_tokens,
        conversation_id=conversation_id,
        provider=provider,
        with_history=with_history,
    )
    started = time.perf_counter()
    first_chunk_at = None
    pieces: list[str] = []
    usage: Usage | None = None
    error: APIException | None = None
    finished = False
    upstream = plan.provider.stream(plan.request)
    try:
        try:
            async for item in upstream:
                if isinstance(item, Usage):
                    usage = item
                    continue
                if first_chunk_at is None:
                    first_chunk_at = time.perf_counter()
                pieces.append(item)
                yield ReplyChunk(item)
        except Exception as exc:
            error = _as_provider_error(exc, plan.provider)
            if not pieces:
                raise error from (None if error is exc else exc)
            logger.warning("%s failed after the first chunk: %s", plan.provider.name, error)
        finished = True
    finally:
        if not finished:
            # Cancelled (aclose() or task cancellation) or failed before the first chunk.
            await upstream.aclose()
            if error is not None and not pieces:
                await _shielded(database_sync_to_async(_release)(plan))
            else:
                await _shielded(
                    _complete_bookkeeping(
                        plan,
                        content="".join(pieces),
                        usage=None,
                        started=started,
                        first_chunk_at=first_chunk_at,
                        streamed=True,
                        stopped=True,
                    )
                )
    yield await _shielded(
        _complete_bookkeeping(
            plan,
            content="".join(pieces),
            usage=usage,
            started=started,
            first_chunk_at=first_chunk_at,
            streamed=True,
            stopped=error is not None,
            error=error,
        )
    )


async def complete_reply(
    *,
    user,
    messages: list[dict],
    model: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    conversation_id: str | None = None,
    provider: str | None = None,
    with_history: bool = False,
) -> ReplyCompleted:
    """The whole reply at once (no streaming); same storage, usage, budget and hooks as stream_reply."""
    plan = await _plan_for(
        user=user,
        messages=messages,
        model=model,
        temperature=temperature,
        max_tokens=max_tokens,
        conversation_id=conversation_id,
        provider=provider,
        with_history=with_history,
    )
    started = time.perf_counter()
    try:
        completion = await plan.provider.complete(plan.request)
    except BaseException as exc:
        await _shielded(database_sync_to_async(_release)(plan))
        if isinstance(exc, Exception):
            raise _as_provider_error(exc, plan.provider) from exc
        raise
    return await _shielded(
        _complete_bookkeeping(
            plan,
            content=completion.content,
            usage=completion.usage,
            started=started,
            first_chunk_at=None,
            streamed=False,
            stopped=False,
        )
    )
