"""Bad frames answer an error frame and keep the socket open; floods are limited, then closed."""

import pytest
from django.test import override_settings

from realtime.tests.conftest import token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def ws(sockets, user):
    socket = await sockets(f"/ws/{user.pk}?token={token_for(user)}")
    assert (await socket.recv())["type"] == "ready"
    return socket


async def still_open(ws) -> None:
    await ws.send({"type": "ping"})
    assert (await ws.recv())["type"] == "pong"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('"ping"', "invalid_frame"),
        ('{"content": "hi"}', "missing_type"),
        ('{"type": 7}', "missing_type"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "chat"}', "missing_field"),
        ('{"type": "chat", "content": 5}', "invalid_field"),
        ('{"type": "chat", "content": "hi", "temperature": 3}', "invalid_field"),
        ('{"type": "chat", "content": "hi", "max_tokens": 0}', "invalid_field"),
        ('{"type": "typing"}', "missing_field"),
        ('{"type": "typing", "to": "abc"}', "invalid_field"),
        ('{"type": "message", "content": "hi"}', "unknown_type"),
    ],
)
async def test_bad_frame_answers_error_and_keeps_socket_open(ws, raw, code):
    await ws.send(raw)
    frame = await ws.recv()
    assert frame["type"] == "error" and frame["code"] == code and frame["message"]
    assert isinstance(frame["seq"], int)
    await still_open(ws)


async def test_binary_frame_answers_error(ws):
    await ws.comm.send_to(bytes_data=b"\x00\x01")
    assert (await ws.recv())["code"] == "binary_not_supported"
    await still_open(ws)


@override_settings(REALTIME_MAX_FRAME_BYTES=200)
async def test_oversized_frame_answers_error(ws):
    await ws.send({"type": "chat", "content": "x" * 300})
    assert (await ws.recv())["code"] == "frame_too_large"
    await still_open(ws)


@override_settings(REALTIME_FRAME_RATE=1, REALTIME_FRAME_BURST=3, REALTIME_FLOOD_CLOSE_AFTER=100)
async def test_flood_is_rate_limited_with_one_error_frame(ws):
    for _ in range(6):
        await ws.send({"type": "ping"})
    frames = [await ws.recv() for _ in range(4)]
    assert [f["type"] for f in frames] == ["pong", "pong", "pong", "error"]
    assert frames[3]["code"] == "rate_limited"
    assert await ws.nothing()


@override_settings(REALTIME_FRAME_RATE=1, REALTIME_FRAME_BURST=2, REALTIME_FLOOD_CLOSE_AFTER=5)
async def test_persistent_flood_is_closed_4429(ws):
    for _ in range(10):
        await ws.send({"type": "ping"})
    assert await ws.closed_with() == 4429
