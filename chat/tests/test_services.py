"""Storage into conversations, cancellation, usage and cost, budget, through the service and /api/chat."""

import asyncio
import logging
import threading
from contextlib import aclosing
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.db import close_old_connections, connection
from rest_framework.exceptions import NotFound

from chat import budget, pricing, services
from chat.models import TokenBudgetDay, Usage
from chat.tests.conftest import parse_sse, read_stream
from conversations import services as conversation_services
from conversations.models import Message

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = "Hello from the fake provider."


def make_conversation(owner, **data):
    return conversation_services.conversation_create(owner=owner, data={"id": "conv_1", "title": "T", **data})


def stored(conversation):
    return list(
        Message.objects.filter(conversation=conversation)
        .in_order()
        .values_list("role", "content", "model", "tokens", "stopped")
    )


async def test_reply_is_stored_with_model_tokens_and_system_prompt_sent(async_api, user, fake_anthropic):
    conversation = await asyncio.to_thread(make_conversation, user, systemPrompt="Answer in French.")
    r = await async_api.post(
        "/api/chat",
        {"model": "claude-sonnet-4-6", "conversationId": "conv_1", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert r.json() == {"content": HELLO, "tokens": 5, "model": "claude-sonnet-4-6"}
    assert fake_anthropic.state.requests[0]["body"]["system"] == "Answer in French."
    assert fake_anthropic.state.requests[0]["body"]["messages"] == [{"role": "user", "content": "hi"}]
    rows = await asyncio.to_thread(stored, conversation)
    assert rows == [("user", "hi", "", None, False), ("assistant", HELLO, "claude-sonnet-4-6", 5, False)]


async def test_stream_stores_and_reports_the_message_id(async_api, user, fake_openai):
    conversation = await asyncio.to_thread(make_conversation, user, systemPrompt="Be brief.")
    r = await async_api.post(
        "/api/chat",
        {
            "model": "gpt-4o",
            "stream": True,
            "conversationId": "conv_1",
            "messages": [{"role": "user", "content": "hi"}],
        },
    )
    usage = parse_sse(await read_stream(r))[-2][1]
    reply = await Message.objects.aget(conversation=conversation, role="assistant")
    assert usage["message_id"] == reply.public_id
    assert fake_openai.state.requests[0]["body"]["messages"][0] == {"role": "system", "content": "Be brief."}
    rows = await asyncio.to_thread(stored, conversation)
    assert rows == [("user", "hi", "", None, False), ("assistant", HELLO, "gpt-4o", 5, False)]


def test_other_users_conversation_is_404(user, other_user, other_api):
    make_conversation(user)
    r = other_api.post(
        "/api/chat", {"conversationId": "conv_1", "messages": [{"role": "user", "content": "hi"}]}, format="json"
    )
    message = "No conversation with this id belongs to you."
    assert r.status_code == 404
    assert r.json() == {
        "error": {"code": "not_found", "message": message, "request_id": r["X-Request-ID"], "details": {}},
        "detail": message,
    }
    assert Message.objects.count() == 0


async def test_with_history_sends_the_stored_conversation(user, fake_openai):
    await asyncio.to_thread(
        make_conversation,
        user,
        systemPrompt="Sys.",
        messages=[{"role": "user", "content": "one"}, {"role": "assistant", "content": "two"}],
    )
    events = [
        e
        async for e in services.stream_reply(
            user=user,
            messages=[{"role": "user", "content": "three"}],
            model="gpt-4o",
            conversation_id="conv_1",
            with_history=True,
        )
    ]
    assert [e.content for e in events[:-1]] == ["Hello", " from", " the", " fake", " provider."]
    done = events[-1]
    assert (done.content, done.model, done.tokens, done.stopped, done.error) == (HELLO, "gpt-4o", 5, False, None)
    assert done.message_id is not None
    assert fake_openai.state.requests[0]["body"]["messages"] == [
        {"role": "system", "content": "Sys."},
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "two"},
        {"role": "user", "content": "three"},
    ]


async def test_service_raises_not_found_for_foreign_conversation(user, other_user):
    await asyncio.to_thread(make_conversation, other_user)
    with pytest.raises(NotFound):
        await services.complete_reply(user=user, messages=[{"role": "user", "content": "x"}], conversation_id="conv_1")


@pytest.mark.parametrize("flavour", ["openai", "anthropic"])
async def test_cancelling_closes_upstream_stores_partial_and_bills_produced(user, fake_openai, fake_anthropic, flavour):
    fake = fake_openai if flavour == "openai" else fake_anthropic
    model = "gpt-4o" if flavour == "openai" else "claude-sonnet-4-6"
    fake.state.mode = "hold_after_first"
    conversation = await asyncio.to_thread(make_conversation, user)
    reply = services.stream_reply(
        user=user, messages=[{"role": "user", "content": "hi"}], model=model, conversation_id="conv_1"
    )
    first = await anext(reply)
    assert first == services.ReplyChunk("Hello")
    await reply.aclose()
    assert await asyncio.to_thread(fake.state.client_closed.wait, 5)  # the fake saw the connection close
    rows = await asyncio.to_thread(stored, conversation)
    assert rows == [("user", "hi", "", None, False), ("assistant", "Hello", model, 2, True)]
    usage = await Usage.objects.aget()
    assert (usage.output_tokens, usage.stopped, usage.estimated) == (2, True, True)


async def test_cancelled_task_still_stores_partial(user):
    await asyncio.to_thread(make_conversation, user)

    async def consume():
        # Callers hold the iterator in aclosing(), so cancelling them closes it (and the upstream).
        reply = services.stream_reply(user=user, messages=[{"role": "user", "content": "hi"}], conversation_id="conv_1")
        async with aclosing(reply):
            async for _event in reply:
                await asyncio.sleep(0.05)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.12)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    reply = await Message.objects.aget(role="assistant")
    assert reply.stopped is True
    assert reply.content.startswith("This")
    assert 1 <= len(reply.content.split()) < 24


async def test_usage_row_and_cost_arithmetic(async_api, user, fake_openai):
    fake_openai.state.words = ["x"] * 1000
    r = await async_api.post("/api/chat", {"model": "gpt-4o", "messages": [{"role": "user", "content": "a b c d"}]})
    assert r.json()["tokens"] == 1000
    row = await Usage.objects.aget()
    assert (row.provider, row.model, row.input_tokens, row.output_tokens, row.estimated, row.streamed) == (
        "openai", "gpt-4o", 4, 1000, False, False,
    )  # fmt: skip
    # 4 * $2.50/M + 1000 * $10/M
    assert row.cost == Decimal("0.010010")
    assert row.user_id == user.pk
    assert row.latency_ms >= 0 and row.first_chunk_ms is None


async def test_unreported_usage_is_estimated(async_api, fake_openai):
    fake_openai.state.report_usage = False
    r = await async_api.post(
        "/api/chat", {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "hello"}]}
    )
    usage = parse_sse(await read_stream(r))[-2][1]
    assert (usage["estimated"], usage["output_tokens"], usage["input_tokens"]) == (True, 8, 6)
    row = await Usage.objects.aget()
    assert (row.estimated, row.streamed, row.first_chunk_ms is not None) == (True, True, True)


def test_cost_of_unpriced_model_is_zero():
    assert pricing.cost_of(model="gpt-9", input_tokens=10, output_tokens=10) == Decimal("0")
    assert pricing.cost_of(model="claude-sonnet-4-6", input_tokens=1_000_000, output_tokens=2_000_000) == Decimal(
        "33.000000"
    )


def test_stats_gain_tokens_and_cost_by_model(user_api, user, django_assert_num_queries):
    make_conversation(user)
    for _ in range(3):
        user_api.post(
            "/api/chat", {"conversationId": "conv_1", "messages": [{"role": "user", "content": "hi"}]}, format="json"
        )
    Usage.objects.create(user=user, provider="openai", model="gpt-4o", input_tokens=1000, output_tokens=2000,
                         cost=Decimal("0.022500"), latency_ms=5)  # fmt: skip
    with django_assert_num_queries(4):
        r = user_api.get("/api/stats")
    assert r.json() == {
        "total_conversations": 1,
        "total_messages": 6,
        "total_tokens": 72,
        "average_messages_per_conversation": 6.0,
        "by_model": {
            "unknown": {
                "messages": 3,
                "tokens": 0,
                "completions": 0,
                "input_tokens": 0,
                "output_tokens": 0,
                "cost": 0.0,
            },
            "local-echo": {
                "messages": 3,
                "tokens": 72,
                "completions": 3,
                "input_tokens": 3,
                "output_tokens": 72,
                "cost": 0.0,
            },
            "gpt-4o": {
                "messages": 0,
                "tokens": 0,
                "completions": 1,
                "input_tokens": 1000,
                "output_tokens": 2000,
                "cost": 0.0225,
            },
        },  # fmt: skip
        "total_cost": 0.0225,
    }


# Budget


def test_over_budget_answers_429_with_retry_after(user_api, settings):
    settings.CHAT_DAILY_TOKEN_BUDGET = 100
    r = user_api.post("/api/chat", {"max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}, format="json")
    assert r.status_code == 200
    row = TokenBudgetDay.objects.get()
    assert (row.used, row.reserved) == (25, 0)  # 1 input token (estimated by the local model) + 24 words
    r = user_api.post("/api/chat", {"max_tokens": 80, "messages": [{"role": "user", "content": "hi"}]}, format="json")
    message = (
        "Daily token budget exhausted: this request needs up to 85 tokens, and 75 of 100 are left today (UTC). "
        "Lower max_tokens or try again tomorrow."
    )
    assert r.status_code == 429
    assert r.json() == {
        "error": {"code": "token_budget_exceeded", "message": message, "request_id": r["X-Request-ID"], "details": {}},
        "detail": message,
    }
    assert 1 <= int(r["Retry-After"]) <= 86400


def test_failed_request_releases_its_reservation(user_api, settings, fake_openai):
    settings.CHAT_DAILY_TOKEN_BUDGET = 1000
    fake_openai.state.mode = "500"
    body = {"model": "gpt-4o", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    r = user_api.post("/api/chat", body, format="json")
    assert r.status_code == 502
    row = TokenBudgetDay.objects.get()
    assert (row.used, row.reserved) == (0, 0)


@pytest.mark.postgres  # the in-memory SQLite test database answers "table is locked" instead of waiting
def test_parallel_reservations_never_overspend(user, settings):
    settings.CHAT_DAILY_TOKEN_BUDGET = 1000
    results = []
    start = threading.Barrier(12)

    def reserve():
        start.wait()
        try:
            results.append(budget.budget_reserve(user=user, tokens=150))
        except budget.BudgetExceeded:
            results.append(None)
        except Exception as exc:
            results.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=reserve) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    granted = [r for r in results if isinstance(r, budget.Reservation)]
    assert len(results) == 12 and not [r for r in results if isinstance(r, Exception)], results
    assert len(granted) == 6  # 6 * 150 = 900 <= 1000 < 7 * 150
    row = TokenBudgetDay.objects.get()
    assert (row.used, row.reserved) == (0, 900)
    for reservation in granted:
        budget.budget_settle(reservation=reservation, used_tokens=100)
    row.refresh_from_db()
    assert (row.used, row.reserved) == (600, 0)


def test_parallel_chats_never_overspend(user, settings):
    settings.CHAT_DAILY_TOKEN_BUDGET = 200
    settings.LOCAL_MODEL_WORD_DELAY = 0.01

    async def many():
        return await asyncio.gather(
            *(
                services.complete_reply(user=user, messages=[{"role": "user", "content": "hi"}], max_tokens=50)
                for _ in range(8)
            ),
            return_exceptions=True,
        )

    results = async_to_sync(many)()
    ok = [r for r in results if isinstance(r, services.ReplyCompleted)]
    refused = [r for r in results if isinstance(r, budget.BudgetExceeded)]
    assert (len(ok), len(refused)) == (3, 5)  # each reserves 55 (5 prompt + 50); 3 * 55 <= 200
    row = TokenBudgetDay.objects.get()
    assert row.reserved == 0 and row.used <= 200


# Plugins


class BrokenPlugin:
    def after_completion(self, **kwargs):
        raise RuntimeError("plugin bug")


class SlowPlugin:
    async def before_completion(self, **kwargs):
        await asyncio.sleep(5)


def test_plugin_errors_and_timeouts_are_logged_not_raised(user_api, settings, caplog):
    settings.CHAT_PLUGINS = [
        "chat.tests.test_services.BrokenPlugin",
        "chat.tests.test_services.SlowPlugin",
        "chat.plugins.UsageLogPlugin",
    ]
    settings.CHAT_PLUGIN_TIMEOUT = 0.1
    with caplog.at_level(logging.INFO):
        r = user_api.post("/api/chat", {"messages": [{"role": "user", "content": "hi"}]}, format="json")
    assert r.status_code == 200
    messages = [record.getMessage() for record in caplog.records]
    assert "Chat plugin BrokenPlugin.after_completion failed" in messages
    assert "Chat plugin SlowPlugin.before_completion timed out" in messages
    usage_lines = [record.getMessage() for record in caplog.records if record.name == "chat.usage"]
    assert len(usage_lines) == 1 and '"model": "local-echo"' in usage_lines[0]
