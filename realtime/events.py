"""The socket layer's vocabulary: group names, frame shapes and how events leave a process.

Other apps reach sockets only through this module. Frames are always built here on the server;
client JSON is never forwarded to the channel layer (its `type` would pick the handler on every
receiver). Layer events carry a finished frame: `{"type": "<kind>.frame", "frame": {...}}`.
"""

import contextlib
import contextvars
import hashlib
import logging
import re
import time
from typing import Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


# Groups -------------------------------------------------------------------------------------
def _stable_name(value: str) -> str:
    """A group-safe name for any id, the same in every process (unlike `hash()`)."""
    if re.fullmatch(r"[A-Za-z0-9_.-]{1,60}", value):
        return "n" + value
    # A different first letter, so no plain name can collide with a hashed one.
    return "h" + hashlib.sha256(value.encode()).hexdigest()[:32]


def user_group(user_id: int | str) -> str:
    """Every per-user socket of the user (all tabs and devices, all processes)."""
    return f"user.{user_id}"


def conversation_group(owner_id: int | str, conversation_id: str) -> str:
    # Conversation ids are unique per owner only, and may hold characters groups do not allow.
    return f"conversation.{owner_id}.{_stable_name(conversation_id)}"


def room_group(room_name: str) -> str:
    return f"room.{_stable_name(room_name)}"


def inbox_group(user_id: int | str) -> str:
    """Every private socket of the user: private messages reach them whoever they talk to."""
    return f"inbox.{user_id}"


def pair_group(user_id: int | str, peer_id: int | str) -> str:
    """The user's private sockets open on the conversation with `peer_id` (typing)."""
    return f"pair.{user_id}.{peer_id}"


def now_ms() -> int:
    return int(time.time() * 1000)


# Frames the client sends ---------------------------------------------------------------------
class AuthFrame(TypedDict):
    type: Literal["auth"]
    token: str


class PingFrame(TypedDict):
    type: Literal["ping"]


class ChatFrame(TypedDict):
    type: Literal["chat"]
    content: str
    conversation_id: NotRequired[str]
    model: NotRequired[str]
    temperature: NotRequired[float]
    max_tokens: NotRequired[int]


class StopFrame(TypedDict):
    type: Literal["stop"]
    reply_id: NotRequired[str]


class TypingFrame(TypedDict):
    type: Literal["typing"]
    room_id: NotRequired[str]
    to: NotRequired[str]


class MessageFrame(TypedDict):
    type: Literal["message"]
    content: str
    message_id: NotRequired[str]


# `from` is a Python keyword, hence the functional form.
AckFrame = TypedDict("AckFrame", {"type": Literal["ack"], "message_id": str, "from": NotRequired[str]})


# Frames the server sends ----------------------------------------------------------------------
class ErrorFrame(TypedDict):
    type: Literal["error"]
    code: str
    message: str
    seq: NotRequired[int]


class ReadyFrame(TypedDict):
    type: Literal["ready"]
    user_id: str
    seq: NotRequired[int]


class PongFrame(TypedDict):
    type: Literal["pong"]
    seq: NotRequired[int]


class ResumedFrame(TypedDict):
    type: Literal["resumed"]
    last_seq: int
    replayed: int
    complete: bool
    seq: int


class ChatStartedFrame(TypedDict):
    type: Literal["chat_started"]
    reply_id: str
    requested_by: str
    conversation_id: NotRequired[str]
    room_id: NotRequired[str]
    model: NotRequired[str]
    seq: NotRequired[int]


class ChatChunkFrame(TypedDict):
    type: Literal["chat_chunk"]
    reply_id: str
    content: str
    requested_by: str
    conversation_id: NotRequired[str]
    room_id: NotRequired[str]
    seq: NotRequired[int]


class ChatCompleteFrame(TypedDict):
    type: Literal["chat_complete"]
    reply_id: str
    message_id: str | None
    tokens: int
    model: str
    stopped: bool
    requested_by: str
    conversation_id: NotRequired[str]
    room_id: NotRequired[str]
    seq: NotRequired[int]


class ChatErrorFrame(TypedDict):
    type: Literal["chat_error"]
    reply_id: str
    code: str
    message: str
    requested_by: str
    conversation_id: NotRequired[str]
    room_id: NotRequired[str]
    seq: NotRequired[int]


class UserTypingFrame(TypedDict):
    type: Literal["user_typing"]
    user_id: str
    room_id: NotRequired[str]
    seq: NotRequired[int]


class ConversationChangedFrame(TypedDict):
    type: Literal["conversation_created", "conversation_updated", "conversation_deleted"]
    conversation_id: str
    conversation: NotRequired[dict]
    seq: int


class RoomMember(TypedDict):
    user_id: str
    username: str
    online: bool


class ChatMessageFrame(TypedDict):
    type: Literal["chat_message"]
    room_id: str
    user_id: str | None
    username: str
    role: Literal["user", "assistant"]
    content: str
    timestamp: int
    message_id: str
    model: NotRequired[str]
    stopped: NotRequired[bool]


class RoomJoinedFrame(TypedDict):
    type: Literal["room_joined"]
    room_id: str
    history: list[ChatMessageFrame]
    members: list[RoomMember]


class UserJoinedFrame(TypedDict):
    type: Literal["user_joined"]
    room_id: str
    user_id: str
    username: str


class UserLeftFrame(TypedDict):
    type: Literal["user_left"]
    room_id: str
    user_id: str


PrivateMessageOutFrame = TypedDict(
    "PrivateMessageOutFrame",
    {
        "type": Literal["private_message"],
        "from": str,
        "to": str,
        "content": str,
        "timestamp": int,
        "message_id": str,
    },
)


class MessageSentFrame(TypedDict):
    type: Literal["message_sent"]
    to: str
    message_id: str
    timestamp: int
    duplicate: bool


CLIENT_FRAMES: dict[str, type] = {
    "auth": AuthFrame,
    "ping": PingFrame,
    "chat": ChatFrame,
    "stop": StopFrame,
    "typing": TypingFrame,
    "message": MessageFrame,
    "ack": AckFrame,
}
SERVER_FRAMES: dict[str, type] = {
    "ready": ReadyFrame,
    "pong": PongFrame,
    "error": ErrorFrame,
    "resumed": ResumedFrame,
    "chat_started": ChatStartedFrame,
    "chat_chunk": ChatChunkFrame,
    "chat_complete": ChatCompleteFrame,
    "chat_error": ChatErrorFrame,
    "user_typing": UserTypingFrame,
    "conversation_created": ConversationChangedFrame,
    "conversation_updated": ConversationChangedFrame,
    "conversation_deleted": ConversationChangedFrame,
    "room_joined": RoomJoinedFrame,
    "user_joined": UserJoinedFrame,
    "user_left": UserLeftFrame,
    "chat_message": ChatMessageFrame,
    "private_message": PrivateMessageOutFrame,
    "message_sent": MessageSentFrame,
}
# Which client frames each socket path understands (the AsyncAPI document is built from this).
SOCKET_CLIENT_FRAMES: dict[str, list[str]] = {
    "user": ["auth", "ping", "chat", "stop", "typing"],
    "room": ["auth", "ping", "chat", "stop", "typing"],
    "private": ["auth", "ping", "message", "ack", "typing"],
    "conversation": ["auth", "ping", "message", "chat", "stop"],
}
SOCKET_SERVER_FRAMES: dict[str, list[str]] = {
    "user": [
        "ready",
        "pong",
        "error",
        "resumed",
        "chat_started",
        "chat_chunk",
        "chat_complete",
        "chat_error",
        "user_typing",
        "conversation_created",
        "conversation_updated",
        "conversation_deleted",
    ],
    "room": [
        "ready",
        "pong",
        "error",
        "room_joined",
        "user_joined",
        "user_left",
        "chat_message",
        "user_typing",
        "chat_started",
        "chat_chunk",
        "chat_complete",
        "chat_error",
    ],
    "private": ["ready", "pong", "error", "private_message", "message_sent", "user_typing"],
    "conversation": [
        "ready",
        "pong",
        "error",
        "resumed",
        "chat_started",
        "chat_chunk",
        "chat_complete",
        "chat_error",
        "conversation_updated",
        "conversation_deleted",
    ],
}


# Builders ------------------------------------------------------------------------------------
def error_frame(code: str, message: str) -> ErrorFrame:
    return {"type": "error", "code": code, "message": message}


def chat_message_frame(message) -> ChatMessageFrame:
    frame: ChatMessageFrame = {
        "type": "chat_message",
        "room_id": message.room.name,
        "user_id": str(message.author_id) if message.author_id else None,
        "username": message.author.username if message.author_id else "assistant",
        "role": message.role,
        "content": message.content,
        "timestamp": int(message.created_at.timestamp() * 1000),
        "message_id": message.public_id,
    }
    if message.model:
        frame["model"] = message.model
    if message.stopped:
        frame["stopped"] = True
    return frame


def private_message_frame(message) -> PrivateMessageOutFrame:
    return {
        "type": "private_message",
        "from": str(message.sender_id),
        "to": str(message.recipient_id),
        "content": message.content,
        "timestamp": int(message.created_at.timestamp() * 1000),
        "message_id": message.message_id,
    }


def layer_event(kind: str, frame: dict, **extra) -> dict:
    """The channel-layer event that carries `frame` to consumers' `<kind>_frame` handler."""
    return {"type": f"{kind}.frame", "frame": frame, **extra}


# Sending ---------------------------------------------------------------------------------------
_failures: contextvars.ContextVar[list | None] = contextvars.ContextVar("realtime_send_failures", default=None)


@contextlib.contextmanager
def capture_send_failures():
    """Collects groups whose send failed inside the block (Redis down), so a consumer can tell
    its client that a stored message was not delivered live."""
    failures: list[str] = []
    token = _failures.set(failures)
    try:
        yield failures
    finally:
        _failures.reset(token)


def _note_failure(group: str, exc: Exception) -> None:
    logger.warning("Channel layer send to %s failed: %s", group, exc.__class__.__name__)
    failures = _failures.get()
    if failures is not None:
        failures.append(group)


async def group_send(group: str, event: dict) -> bool:
    """Sends to a group; a layer failure is logged and reported, never raised."""
    layer = get_channel_layer()
    try:
        await layer.group_send(group, event)
    except Exception as exc:  # the layer's backend (Redis) is down or full
        _note_failure(group, exc)
        return False
    return True


def group_send_sync(group: str, event: dict) -> bool:
    return async_to_sync(group_send)(group, event)


def send_on_commit(group: str, event: dict) -> None:
    """Sends `event` to `group` once the current transaction commits (never for a rollback)."""
    failures = _failures.get()

    def send() -> None:
        token = _failures.set(failures)
        try:
            group_send_sync(group, event)
        finally:
            _failures.reset(token)

    transaction.on_commit(send)
