"""The socket protocol as an AsyncAPI 3 document, generated from the frame TypedDicts in
`realtime.events`, so the document and the code cannot drift apart (the tests also check every
frame the server sends in them against it)."""

import types
import typing
from typing import Literal, NotRequired, Required, get_args, get_origin, get_type_hints, is_typeddict

from django.conf import settings

from realtime import events

CHANNELS = {
    "user": {
        "address": "/ws/{user_id}",
        "title": "Per-user socket",
        "description": "Ping, AI chat streaming, stop, typing, and pushes of the user's conversation changes. "
        "Every server frame carries the user's increasing `seq`; reconnect with `?last_seq=N` to be sent the "
        "frames after N first (kept for a retention window).",
        "parameters": {"user_id": {"description": "The authenticated user's id (as returned by /api/auth/me)."}},
    },
    "room": {
        "address": "/ws/room/{room_id}/{user_id}",
        "title": "Room socket",
        "description": "Room chat with history, members and presence; `@assistant` or `@<model>` in a message "
        "streams an AI reply to every member. Private rooms admit members only.",
        "parameters": {
            "room_id": {"description": "The room's name: 1-100 of A-Z a-z 0-9 _ . : -"},
            "user_id": {"description": "The authenticated user's id."},
        },
    },
    "private": {
        "address": "/ws/private/{from_user}/{to_user}",
        "title": "Private messages",
        "description": "Direct messages with a reliable queue: stored before `message_sent`, delivered in order "
        "on every connect until acknowledged with `ack`; a resent `message_id` is delivered once.",
        "parameters": {
            "from_user": {"description": "The authenticated user's id."},
            "to_user": {"description": "The other party's user id."},
        },
    },
    "conversation": {
        "address": "/ws/v1/conversations/{conversation_id}",
        "title": "Conversation stream",
        "description": "One conversation, for its owner only (anyone else is closed with 4404). `message` "
        "frames are stored and answered by a streamed reply; frames carry `seq` as on the per-user socket.",
        "parameters": {"conversation_id": {"description": "The conversation's id."}},
    },
}

CLOSE_CODES = {
    4401: "Unauthenticated: no valid token (or session) within the auth timeout, or a deactivated user.",
    4403: "Forbidden: the path names another user, a private room you are not in, or the Origin is not allowed.",
    4404: "Not found: no such conversation (of yours), recipient, or socket path.",
    4429: "Too many frames: the client kept flooding after `rate_limited` error frames.",
}


def _schema_for(hint) -> dict:
    origin = get_origin(hint)
    if origin in (NotRequired, Required):
        return _schema_for(get_args(hint)[0])
    if origin is Literal:
        values = list(get_args(hint))
        return {"type": "string", "const": values[0]} if len(values) == 1 else {"type": "string", "enum": values}
    if origin in (typing.Union, types.UnionType):
        options = [_schema_for(arg) for arg in get_args(hint)]
        if all(set(o) == {"type"} for o in options):
            return {"type": [o["type"] for o in options]}
        return {"anyOf": options}
    if origin is list:
        return {"type": "array", "items": _schema_for(get_args(hint)[0])}
    if is_typeddict(hint):
        return _object_schema(hint)
    if hint is type(None):
        return {"type": "null"}
    simple = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object"}
    return {"type": simple[hint]}


def _object_schema(frame_type) -> dict:
    hints = get_type_hints(frame_type, include_extras=True)
    required = [name for name in hints if name in frame_type.__required_keys__]
    return {
        "type": "object",
        "properties": {name: _schema_for(hint) for name, hint in hints.items()},
        "required": required,
        "additionalProperties": False,
    }


def frame_schema(frame_type_name: str, *, client: bool) -> dict:
    typed = (events.CLIENT_FRAMES if client else events.SERVER_FRAMES)[frame_type_name]
    schema = _object_schema(typed)
    if not client:
        # One TypedDict may describe several frame types (conversation_created/updated/deleted).
        schema["properties"]["type"] = {"type": "string", "const": frame_type_name}
    return schema


def document() -> dict:
    """The AsyncAPI 3.0 document of every socket path, frame and close code."""
    channels, operations, messages = {}, {}, {}
    for kind, meta in CHANNELS.items():
        channel_messages = {}
        for direction, names in (
            ("client", events.SOCKET_CLIENT_FRAMES[kind]),
            ("server", events.SOCKET_SERVER_FRAMES[kind]),
        ):
            for name in names:
                message_key = f"{direction}_{name}"
                if message_key not in messages:
                    messages[message_key] = {
                        "name": name,
                        "title": f"{name} ({'client to server' if direction == 'client' else 'server to client'})",
                        "contentType": "application/json",
                        "payload": frame_schema(name, client=direction == "client"),
                    }
                channel_messages[message_key] = {"$ref": f"#/components/messages/{message_key}"}
        channels[kind] = {
            "address": meta["address"],
            "title": meta["title"],
            "description": meta["description"],
            "parameters": meta["parameters"],
            "messages": channel_messages,
        }
        for direction, action in (("client", "receive"), ("server", "send")):
            names = events.SOCKET_CLIENT_FRAMES[kind] if direction == "client" else events.SOCKET_SERVER_FRAMES[kind]
            operations[f"{kind}_{action}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{kind}"},
                "summary": ("Frames the client sends" if direction == "client" else "Frames the server sends")
                + f" on {meta['address']}",
                "messages": [{"$ref": f"#/channels/{kind}/messages/{direction}_{name}"} for name in names],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Chat Studio sockets",
            "version": settings.VERSION,
            "description": "WebSocket protocol of Chat Studio. Authenticate with `?token=<access token>`, the "
            "subprotocol pair `['bearer', <token>]` (the server answers with `bearer`), or a first frame "
            "`{type: 'auth', token}` within 5 seconds. Frames are JSON objects with a `type`; a bad frame answers "
            "an `error` frame and the socket stays open. Close codes: "
            + "; ".join(f"{code} {text}" for code, text in CLOSE_CODES.items()),
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {"host": "localhost:8000", "protocol": "ws", "description": "The embedded default (make run)."}
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def assert_documented(frame: dict, *, socket: str) -> None:
    """Raises AssertionError unless `frame` is a documented server frame of `socket` (tests)."""
    import jsonschema

    assert frame.get("type") in events.SOCKET_SERVER_FRAMES[socket], f"{frame.get('type')} not documented on {socket}"
    jsonschema.validate(frame, frame_schema(frame["type"], client=False))
