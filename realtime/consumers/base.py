"""What every socket shares: authentication, the path-user check, frame parsing and limits,
error frames, flood control, the process heartbeat that re-joins groups, and resilience to layer
faults."""

import asyncio
import collections
import json
import logging
import time

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings
from rest_framework.exceptions import APIException

from realtime import connections, events, heartbeat, replies
from realtime.middleware import SocketAuth, user_for_token

logger = logging.getLogger(__name__)

UNAUTHENTICATED = 4401
FORBIDDEN = 4403
NOT_FOUND = 4404
TOO_MANY = 4429


class FrameError(Exception):
    """A client frame we cannot act on: answered with an error frame, the socket stays open."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def require_str(frame: dict, field: str, *, optional: bool = False, max_length: int = 16_000) -> str | None:
    value = frame.get(field)
    if value is None:
        if optional:
            return None
        raise FrameError("missing_field", f"The {frame['type']} frame needs a `{field}` field.")
    if not isinstance(value, str) or (not optional and not value.strip()) or len(value) > max_length:
        raise FrameError("invalid_field", f"`{field}` must be a non-empty string of at most {max_length} characters.")
    return value


def api_error(exc: APIException) -> tuple[str, str]:
    codes = exc.get_codes()
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    detail = exc.detail
    while isinstance(detail, dict | list) and detail:
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return (codes if isinstance(codes, str) else exc.default_code), str(detail)


class SocketConsumer(AsyncWebsocketConsumer):
    """Base of every socket. Subclasses set `kind` and `handlers` and implement `authorize`
    (the close code for a user who may not open this path, or None) and `join`."""

    kind = "socket"
    handlers: dict[str, str] = {}
    numbered = False  # frames carry the per-user `seq` (per-user and conversation sockets)

    # Channels' own loop, with a layer receive that survives the layer's backend going away:
    # a Redis restart must cost live delivery for a moment, not every open socket.
    async def __call__(self, scope, receive, send):
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = self._layer_receive
        self.base_send = send
        try:
            await await_many_dispatch([receive, self.channel_receive], self.dispatch)
        except StopConsumer:
            pass
        finally:
            await self._cleanup()

    async def _layer_receive(self):
        delay = 0.2
        while True:
            try:
                return await self.channel_layer.receive(self.channel_name)
            except (asyncio.CancelledError, StopConsumer):
                raise
            except Exception as exc:
                logger.warning("Channel layer receive failed (%s); retrying", exc.__class__.__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def dispatch(self, message):
        # Channels closes stale database connections before every handler, a thread hop each
        # time: 40% of the event loop under a ping load, and a room of 100 paid it 100 times per
        # message. Every database access here goes through `database_sync_to_async`, which
        # closes them itself, in its thread, around the call.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # Lifecycle ---------------------------------------------------------------------------
    async def websocket_connect(self, message):
        # The labelled counters, looked up once: they are bumped on every frame.
        self._frames_in = connections.frames.labels(kind=self.kind, direction="in")
        self._frames_out = connections.frames.labels(kind=self.kind, direction="out")
        self.auth: SocketAuth = self.scope.get("socket_auth") or SocketAuth()
        self.user = None
        self.joined_groups: list[str] = []
        self.closing = False
        self.counted = False
        self.cursor = 0
        self._tasks: list[asyncio.Task] = []
        self._tokens = float(settings.REALTIME_FRAME_BURST)
        self._refilled = time.monotonic()
        self._drops: collections.deque[float] = collections.deque()
        self._limited = False
        await self.accept(self.auth.subprotocol)
        connections.socket_opened(self.kind)
        self.counted = True
        if self.auth.error:
            await self.close_with(self.auth.error)
        elif self.auth.user is not None:
            await self._authenticated(self.auth.user)
        else:
            self._tasks.append(asyncio.create_task(self._auth_deadline()))

    async def _auth_deadline(self):
        await asyncio.sleep(settings.REALTIME_AUTH_TIMEOUT_SECONDS)
        if self.user is None and not self.closing:
            await self.send_error("auth_timeout", "No credentials within the time allowed.")
            await self.close_with(UNAUTHENTICATED)

    async def _authenticated(self, user) -> None:
        code = await self.authorize(user)
        if code is not None:
            await self.close_with(code)
            return
        self.user = user
        await self.join()
        heartbeat.register(self)

    async def close_with(self, code: int) -> None:
        if not self.closing:
            self.closing = True
            await self.close(code)

    async def websocket_disconnect(self, message):
        self.closing = True
        raise StopConsumer()

    async def _cleanup(self) -> None:
        await heartbeat.unregister(self)
        for task in getattr(self, "_tasks", []):
            task.cancel()
        if getattr(self, "user", None) is not None:
            try:
                await self.leave()
            except Exception:
                logger.exception("Leaving a %s socket failed", self.kind)
        for group in getattr(self, "joined_groups", []):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as exc:  # Redis down: the group entry expires by itself
                logger.warning("group_discard failed: %s", exc.__class__.__name__)
        if getattr(self, "counted", False):
            connections.socket_closed(self.kind)

    async def join_group(self, group: str) -> None:
        self.joined_groups.append(group)
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except Exception as exc:  # the heartbeat will add it when the layer is back
            logger.warning("group_add failed: %s", exc.__class__.__name__)

    # To override ---------------------------------------------------------------------------
    async def authorize(self, user) -> int | None:
        return None

    async def join(self) -> None:
        pass

    async def leave(self) -> None:
        pass

    def presence_entry(self) -> tuple[str, int | str, str] | None:
        """The room presence `(room, user_id, channel_name)` the heartbeat keeps alive, if any."""
        return None

    # Sending ---------------------------------------------------------------------------------
    async def send_frame(self, frame: dict) -> None:
        if self.closing:
            return
        if self.numbered:
            if "seq" in frame:
                self.cursor = max(self.cursor, frame["seq"])
            else:
                frame = {**frame, "seq": self.cursor}
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))
        self._frames_out.inc()

    async def send_error(self, code: str, message: str) -> None:
        await self.send_frame(events.error_frame(code, message))

    async def send_to_group(self, group: str, event: dict) -> None:
        if not await events.group_send(group, event):
            await self.send_error("delivery_unavailable", "Live delivery is unavailable right now; try again shortly.")

    # Receiving -------------------------------------------------------------------------------
    def _allow_frame(self) -> bool:
        now = time.monotonic()
        self._tokens = min(
            float(settings.REALTIME_FRAME_BURST), self._tokens + (now - self._refilled) * settings.REALTIME_FRAME_RATE
        )
        self._refilled = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        self._frames_in.inc()
        if not self._allow_frame():
            now = time.monotonic()
            self._drops.append(now)
            while self._drops and self._drops[0] < now - 10:
                self._drops.popleft()
            if len(self._drops) >= settings.REALTIME_FLOOD_CLOSE_AFTER:
                await self.send_error("rate_limited", "Too many frames; closing.")
                await self.close_with(TOO_MANY)
            elif not self._limited:
                self._limited = True
                await self.send_error("rate_limited", "Too many frames; slow down. Frames are being dropped.")
            return
        self._limited = False
        try:
            frame = self._parse(text_data, bytes_data)
            if self.user is None:
                await self._first_frame_auth(frame)
                return
            await self.handle(frame)
        except FrameError as exc:
            await self.send_error(exc.code, exc.message)
        except APIException as exc:
            await self.send_error(*api_error(exc))

    def _parse(self, text_data, bytes_data) -> dict:
        if text_data is None:
            raise FrameError("binary_not_supported", "Frames are JSON text, not binary.")
        if len(text_data.encode()) > settings.REALTIME_MAX_FRAME_BYTES:
            raise FrameError("frame_too_large", f"Frames are limited to {settings.REALTIME_MAX_FRAME_BYTES} bytes.")
        try:
            frame = json.loads(text_data)
        except ValueError:
            raise FrameError("invalid_json", "The frame is not valid JSON.") from None
        if not isinstance(frame, dict):
            raise FrameError("invalid_frame", "A frame is a JSON object with a `type`.")
        if not isinstance(frame.get("type"), str) or not frame["type"]:
            raise FrameError("missing_type", "A frame needs a string `type`.")
        return frame

    async def _first_frame_auth(self, frame: dict) -> None:
        if frame["type"] != "auth":
            await self.send_error("not_authenticated", "Authenticate first: {type: 'auth', token}.")
            await self.close_with(UNAUTHENTICATED)
            return
        token = frame.get("token")
        user = await user_for_token(token) if isinstance(token, str) and token else None
        if user is None:
            await self.send_error("invalid_token", "The access token is invalid or expired.")
            await self.close_with(UNAUTHENTICATED)
            return
        await self._authenticated(user)

    async def handle(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "auth":
            raise FrameError("already_authenticated", "This socket is already authenticated.")
        if kind == "ping":
            await self.send_frame({"type": "pong"})
            return
        name = self.handlers.get(kind)
        if name is None:
            raise FrameError("unknown_type", f"Unknown frame type {kind[:40]!r}.")
        await getattr(self, name)(frame)

    # Layer events -----------------------------------------------------------------------------
    async def reply_stop(self, event: dict) -> None:
        """Another socket asked to stop a reply: stop it if it runs in this process."""
        replies.stop_local(
            reply_id=event.get("reply_id"),
            user_id=event["user_id"],
            room=event.get("room"),
            moderator=event.get("moderator", False),
        )
