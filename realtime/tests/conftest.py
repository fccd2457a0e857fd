"""Socket test helpers: real tokens, the real ASGI application and channel layer."""

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from chatstudio.asgi import application
from realtime import asyncapi


def token_for(user) -> str:
    """A real access token (signed as the login view signs it; no database write, so async-safe)."""
    return str(AccessToken.for_user(user))


class Socket:
    """A WebsocketCommunicator with frame helpers; every frame received is checked against the
    AsyncAPI document (so the document covers every frame the server sends)."""

    def __init__(self, path: str, *, headers=None, subprotocols=None):
        self.path = path
        self.comm = WebsocketCommunicator(application, path, headers=headers or [], subprotocols=subprotocols)
        self.connected = False
        self.subprotocol = None
        self.last_seq = None

    async def open(self):
        self.connected, self.subprotocol = await self.comm.connect(timeout=3)
        return self

    async def send(self, frame) -> None:
        await self.comm.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 3) -> dict:
        frame = await self.comm.receive_json_from(timeout=timeout)
        asyncapi.assert_documented(frame, socket=socket_kind(self.path))
        self.last_seq = frame.get("seq", self.last_seq)
        return frame

    async def recv_until(self, frame_type: str, timeout: float = 5) -> tuple[dict, list[dict]]:
        """The first frame of `frame_type`, and every frame before it."""
        seen = []
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            frame = await self.recv(timeout=max(left, 0.01))
            if frame["type"] == frame_type:
                return frame, seen
            seen.append(frame)

    async def closed_with(self, timeout: float = 3) -> int:
        """Skips frames until the server closes; returns the close code."""
        while True:
            output = await self.comm.receive_output(timeout)
            if output["type"] == "websocket.close":
                return output.get("code")

    async def nothing(self, timeout: float = 0.3) -> bool:
        return await self.comm.receive_nothing(timeout=timeout)

    async def close(self) -> None:
        await self.comm.disconnect()


def socket_kind(path: str) -> str:
    path = path.split("?", 1)[0]
    if path.startswith("/ws/room/"):
        return "room"
    if path.startswith("/ws/private/"):
        return "private"
    if path.startswith("/ws/v1/conversations/"):
        return "conversation"
    return "user"


@pytest.fixture
async def sockets():
    """Opens sockets and disconnects them all at the end of the test."""
    opened: list[Socket] = []

    async def open_socket(path: str, **kwargs) -> Socket:
        socket = Socket(path, **kwargs)
        opened.append(socket)
        return await socket.open()

    yield open_socket
    for socket in opened:
        try:
            await socket.close()
        except Exception:
            pass
