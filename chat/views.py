"""HTTP doors to the chat service: /api/chat (JSON or server-sent events), models, keys, stats."""

import json
from contextlib import aclosing

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import keys, services
from chat.models import ProviderKey
from chat.serializers import (
    ChatProviderQuerySerializer,
    ChatRequestSerializer,
    ChatResponseSerializer,
    ChatStatsSerializer,
    ModelListSerializer,
    ProviderKeyCreateSerializer,
    ProviderKeySerializer,
    UsageByDayQuerySerializer,
    UsageByDaySerializer,
    provider_key_payload,
)
from chat.stats import chat_stats, usage_by_day
from chatstudio.exceptions import error_body, json_response_for
from chatstudio.schema import AUTHENTICATED_ERROR_RESPONSES, error_response
from conversations.cache import cached_read

CHAT_ERRORS = {
    400: error_response("Unknown model or provider, or the provider rejected the request."),
    404: error_response("No conversation with this id belongs to you."),
    502: error_response("The provider failed, could not be reached, or rejected the server's credentials."),
    504: error_response("The provider did not answer in time."),
    **AUTHENTICATED_ERROR_RESPONSES,
}


_to_json = json.JSONEncoder(ensure_ascii=False).encode


def sse(event: str, data: dict) -> bytes:
    """One server-sent event; `data` carries the same `type` as the event name."""
    return f"event: {event}\ndata: {_to_json({'type': event, **data})}\n\n".encode()


def _chunk_event(content: str) -> bytes:
    """`sse("chunk", {"content": content})`, byte for byte, in a tenth of the time (one per chunk)."""
    return b'event: chunk\ndata: {"type": "chunk", "content": ' + _to_json(content).encode() + b"}\n\n"


def _usage_event(done: services.ReplyCompleted) -> bytes:
    return sse(
        "usage",
        {
            "model": done.model,
            "tokens": done.tokens,
            "input_tokens": done.input_tokens,
            "output_tokens": done.output_tokens,
            "cost": float(done.cost),
            "estimated": done.estimated,
            "stopped": done.stopped,
            "message_id": done.message_id,
        },
    )


async def _start_stream(**kwargs):
    """Starts the reply and waits for its first event, so errors before the first chunk still
    answer with their HTTP status instead of a 200 stream."""
    events = aiter(services.stream_reply(**kwargs))
    try:
        first = await anext(events)
    except BaseException:
        await events.aclose()
        raise
    return events, first


async def _event_stream(events, first):
    async with aclosing(events):
        event = first
        while True:
            if isinstance(event, services.ReplyChunk):
                yield _chunk_event(event.content)
            else:
                if event.error is not None:
                    yield sse(
                        "error",
                        {"error": error_body(code=_code(event.error), message=str(event.error.detail))["error"]},
                    )
                yield _usage_event(event)
                yield sse("done", {})
                return
            # No sleep(0) here: every provider awaits between pieces (a socket read, or the local
            # model's word delay), and each await lets daphne write what was sent so far.
            try:
                event = await anext(events)
            except StopAsyncIteration:
                return


def _code(exc) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


class ChatAccepted(HttpResponse):
    """What the synchronous part of ChatView answers when the request may go ahead."""

    def __init__(self, arguments: dict):
        super().__init__()
        self.arguments = arguments


async def _reply(arguments: dict):
    try:
        if not arguments.pop("stream"):
            reply = await services.complete_reply(**arguments)
            return JsonResponse({"content": reply.content, "tokens": reply.tokens, "model": reply.model})
        events, first = await _start_stream(**arguments)
    except APIException as exc:
        return json_response_for(exc)
    response = StreamingHttpResponse(_event_stream(events, first), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


class ChatView(APIView):
    """POST /api/chat: a reply as JSON, or with `stream: true` as server-sent events.

    DRF authenticates, throttles and validates in the synchronous part; the reply itself runs on
    the event loop, so waiting on a provider never holds the one thread every synchronous view
    shares under ASGI (streaming therefore needs daphne, not a WSGI worker).
    """

    provider_from_query = False
    throttle_scopes = {"POST": "chat"}

    @classmethod
    def as_view(cls, **initkwargs):
        checks = super().as_view(**initkwargs)

        async def view(request, *args, **kwargs):
            checked = await sync_to_async(checks)(request, *args, **kwargs)
            if not isinstance(checked, ChatAccepted):
                return checked
            return await _reply(checked.arguments)

        view.cls, view.initkwargs, view.csrf_exempt = cls, initkwargs, True
        return view

    def _provider(self, request) -> str | None:
        if not self.provider_from_query:
            return None
        query = ChatProviderQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data.get("provider")

    @extend_schema(
        tags=["chat"],
        request=ChatRequestSerializer,
        responses={
            200: OpenApiResponse(
                ChatResponseSerializer,
                description="JSON, or with `stream: true` `text/event-stream` events `chunk`, `usage`, "
                "`done` (and `error` on a failure after the first chunk); see docs/chat.md.",
            ),
            **CHAT_ERRORS,
        },
    )
    def post(self, request):
        body = ChatRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        return ChatAccepted(
            {
                "user": request.user,
                "messages": [dict(m) for m in data["messages"]],
                "model": data.get("model") or None,
                "temperature": data.get("temperature"),
                "max_tokens": data.get("max_tokens"),
                "conversation_id": data.get("conversationId"),
                "provider": self._provider(request),
                "stream": data["stream"],
            }
        )

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, ChatAccepted):
            return response
        return super().finalize_response(request, response, *args, **kwargs)


class ChatAIView(ChatView):
    """POST /api/chat/ai?provider=openai|anthropic|local: the same, from the named provider."""

    provider_from_query = True

    @extend_schema(
        tags=["chat"],
        request=ChatRequestSerializer,
        parameters=[OpenApiParameter("provider", str, enum=["openai", "anthropic", "local"])],
        responses={200: ChatResponseSerializer, **CHAT_ERRORS},
    )
    def post(self, request):
        return super().post(request)


class ModelListView(APIView):
    throttle_scopes = {"GET": "read"}

    @extend_schema(tags=["chat"], responses={200: ModelListSerializer, **AUTHENTICATED_ERROR_RESPONSES})
    def get(self, request):
        return Response(
            {"default": settings.DEFAULT_CHAT_MODEL, "models": services.available_models(user=request.user)}
        )


class ProviderKeyListView(APIView):
    throttle_scopes = {"GET": "read", "POST": "create"}

    @extend_schema(tags=["auth"], responses={200: ProviderKeySerializer(many=True), **AUTHENTICATED_ERROR_RESPONSES})
    def get(self, request):
        stored = ProviderKey.objects.filter(user=request.user).order_by("provider")
        return Response([provider_key_payload(key) for key in stored])

    @extend_schema(
        tags=["auth"],
        request=ProviderKeyCreateSerializer,
        responses={201: ProviderKeySerializer, **AUTHENTICATED_ERROR_RESPONSES},
    )
    def post(self, request):
        body = ProviderKeyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stored = keys.provider_key_set(user=request.user, **body.validated_data)
        return Response(provider_key_payload(stored), status=status.HTTP_201_CREATED)


class ProviderKeyDetailView(APIView):
    throttle_scopes = {"DELETE": "create"}

    @extend_schema(
        tags=["auth"],
        responses={200: OpenApiResponse(description="`{message}`"), 404: error_response("No key stored for it.")},
    )
    def delete(self, request, provider: str):
        if not keys.provider_key_delete(user=request.user, provider=provider):
            raise NotFound(_("You have no stored key for this provider."))
        return Response({"message": _("Key deleted.")})


class StatsView(APIView):
    throttle_scopes = {"GET": "read"}

    @extend_schema(tags=["conversations"], responses={200: ChatStatsSerializer, **AUTHENTICATED_ERROR_RESPONSES})
    def get(self, request):
        return Response(
            cached_read(
                owner_id=request.user.pk, view="stats", params="", compute=lambda: chat_stats(owner=request.user)
            )
        )


class UsageByDayView(APIView):
    throttle_scopes = {"GET": "read"}

    @extend_schema(
        tags=["conversations"],
        summary="Tokens, cost and completions per day and model",
        description="UTC days, oldest first, every day of the range present (empty ones with zeros).",
        parameters=[UsageByDayQuerySerializer],
        responses={200: UsageByDaySerializer, **AUTHENTICATED_ERROR_RESPONSES},
    )
    def get(self, request):
        params = UsageByDayQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(usage_by_day(owner=request.user, days=params.validated_data["days"]))
