"""Each provider end to end through /api/chat, through the real SDKs against fake servers."""

import asyncio

import pytest

from chat.models import Usage
from chat.tests.conftest import parse_sse, read_stream
from chat.tests.fake_providers import FakeProviderServer

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = ["Hello", " from", " the", " fake", " provider."]
MODELS = {"openai": "gpt-4o", "anthropic": "claude-sonnet-4-6"}


@pytest.fixture(params=["openai", "anthropic"])
def fake(request, settings):
    """A fake server of each flavour, configured as that provider."""
    with FakeProviderServer(request.param) as server:
        server.flavour = request.param
        server.model = MODELS[request.param]
        if request.param == "openai":
            settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = f"{server.url}/v1", "sk-server-key-0000"
        else:
            settings.ANTHROPIC_BASE_URL, settings.ANTHROPIC_API_KEY = server.url, "sk-ant-server-key-0000"
        yield server


def body(fake, **extra):
    return {"model": fake.model, "messages": [{"role": "user", "content": "hi there"}], **extra}


async def test_complete_answers_content_tokens_model(async_api, fake):
    r = await async_api.post("/api/chat", body(fake, temperature=0.5, max_tokens=50))
    assert r.status_code == 200
    assert r.json() == {"content": "Hello from the fake provider.", "tokens": 5, "model": fake.model}
    sent = fake.state.requests[0]["body"]
    assert sent["max_tokens"] == 50
    assert sent["temperature"] == 0.5
    assert sent["model"] == fake.model


async def test_stream_sends_chunks_then_usage_then_done(async_api, fake):
    r = await async_api.post("/api/chat", body(fake, stream=True))
    assert r.status_code == 200
    assert r["Content-Type"] == "text/event-stream; charset=utf-8"
    assert r["Cache-Control"] == "no-cache"
    events = parse_sse(await read_stream(r))
    assert events == [("chunk", {"type": "chunk", "content": word}) for word in HELLO] + [
        (
            "usage",
            {
                "type": "usage",
                "model": fake.model,
                "tokens": 5,
                "input_tokens": 2,
                "output_tokens": 5,
                "cost": 0.000055 if fake.flavour == "openai" else 0.000081,
                "estimated": False,
                "stopped": False,
                "message_id": None,
            },
        ),
        ("done", {"type": "done"}),
    ]


async def test_chunks_carry_any_text_as_utf8_json(async_api, fake):
    fake.state.words = ['say "hi"\n\n', "héllo ✓ 你好", "back\\slash", "</script>"]
    r = await async_api.post("/api/chat", body(fake, stream=True))
    raw = await read_stream(r)
    assert [data["content"] for name, data in parse_sse(raw) if name == "chunk"] == fake.state.words
    assert "héllo ✓ 你好".encode() in raw  # UTF-8 as is, not \u escapes


async def test_first_chunk_reaches_client_before_provider_finishes(async_api, fake):
    fake.state.mode = "hold_after_first"
    r = await async_api.post("/api/chat", body(fake, stream=True))
    parts = aiter(r.streaming_content)
    first = await asyncio.wait_for(anext(parts), 5)
    assert first == b'event: chunk\ndata: {"type": "chunk", "content": "Hello"}\n\n'
    assert not fake.state.release.is_set()  # the provider is still holding the rest
    fake.state.release.set()
    rest = b"".join([part async for part in parts])
    assert [e for e, _ in parse_sse(first + rest)] == ["chunk"] * 5 + ["usage", "done"]


def _error_expectation(flavour: str, mode: str) -> tuple[int, str, str]:
    label = "OpenAI" if flavour == "openai" else "Anthropic"
    setting = "OPENAI_API_KEY" if flavour == "openai" else "ANTHROPIC_API_KEY"
    return {
        "400": (400, "provider_bad_request", f"{label} rejected the request: Invalid value for max_tokens"),
        "401": (
            502,
            "provider_auth_failed",
            f"{label} rejected the API key; check {setting} or your stored {label} key.",
        ),  # fmt: skip
        "429": (429, "provider_rate_limited", f"{label} is rate limiting requests; retry later."),
        "500": (502, "provider_unavailable", f"{label} failed (500)."),
        "stall": (504, "provider_timeout", f"{label} did not answer in time."),
    }[mode]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("mode", ["400", "401", "429", "500", "stall"])
async def test_provider_failures_map_to_clear_answers(async_api, fake, settings, mode, stream):
    settings.CHAT_PROVIDER_TIMEOUT = 0.5
    fake.state.mode = mode
    r = await async_api.post("/api/chat", body(fake, stream=stream))
    status, code, message = _error_expectation(fake.flavour, mode)
    assert r.status_code == status
    assert r.json() == {
        "error": {"code": code, "message": message, "request_id": r["X-Request-ID"], "details": {}},
        "detail": message,
    }
    assert "sk-" not in r.content.decode()
    if mode == "429":
        assert r["Retry-After"] == "7"
    assert await Usage.objects.acount() == 0


async def test_unreachable_provider_answers_502(async_api, settings):
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    r = await async_api.post("/api/chat", {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 502
    assert r.json()["error"]["code"] == "provider_unavailable"
    assert r.json()["error"]["message"] == "OpenAI could not be reached."


async def test_failure_after_first_chunk_ends_with_error_event(async_api, fake):
    fake.state.mode = "fail_after_first"
    r = await async_api.post("/api/chat", body(fake, stream=True))
    assert r.status_code == 200
    events = parse_sse(await read_stream(r))
    assert [name for name, _ in events] == ["chunk", "error", "usage", "done"]
    assert events[0][1] == {"type": "chunk", "content": "Hello"}
    assert events[1][1]["error"]["code"] == "provider_unavailable"
    usage = events[2][1]
    assert (usage["stopped"], usage["estimated"], usage["tokens"]) == (True, True, 2)
    row = await Usage.objects.aget()
    assert (row.stopped, row.estimated, row.output_tokens) == (True, True, 2)


async def test_provider_stalling_after_first_chunk_ends_with_timeout_event(async_api, fake, settings):
    settings.CHAT_PROVIDER_TIMEOUT = 0.5
    fake.state.mode = "hold_after_first"
    r = await async_api.post("/api/chat", body(fake, stream=True))
    events = parse_sse(await read_stream(r))
    assert [name for name, _ in events] == ["chunk", "error", "usage", "done"]
    label = "OpenAI" if fake.flavour == "openai" else "Anthropic"
    error = events[1][1]["error"]
    assert (error["code"], error["message"]) == ("provider_timeout", f"{label} did not answer in time.")
    assert events[2][1]["stopped"] is True
    assert await asyncio.to_thread(fake.state.client_closed.wait, 5)  # the upstream stream was closed
