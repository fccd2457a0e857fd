"""AI replies streamed to sockets, through the same chat service as HTTP.

A reply runs in its own task, never inside a consumer's `receive`: Channels handles one event
at a time per socket, so a loop there would block `stop` and every group event. The task is kept
here, not on the consumer, so it outlives the socket that asked: if the socket drops, the reply
still completes, is stored, and its frames still reach the user's other sockets and the resume
buffer. `stop` (from any socket of the user, on any process, via the layer) cancels it; the chat
service then closes the provider stream and stores the partial reply marked stopped.
"""

import asyncio
import logging
import re
import uuid
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from rest_framework.exceptions import APIException

from chat import services as chat_services
from conversations.models import Conversation, Message, Role
from realtime import events, stream

logger = logging.getLogger(__name__)

MODEL_PREFIXES = ("gpt-", "o1", "o3", "o4", "claude-", "local-")
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9_.:-]*)")


@dataclass
class Reply:
    reply_id: str
    requested_by: int
    room: str | None = None
    task: asyncio.Task | None = field(default=None, repr=False)
    # Cancelled once only: a second cancel would interrupt the storing of the partial reply.
    stopping: bool = False


_running: dict[str, Reply] = {}


def new_reply_id() -> str:
    return f"reply_{uuid.uuid4().hex}"


def running() -> list[Reply]:
    return list(_running.values())


def mentioned_model(content: str) -> tuple[bool, str | None]:
    """Whether a room message asks the AI, and which model: `@assistant` (the default model) or
    `@<model name>`."""
    for name in _MENTION.findall(content):
        if name.lower() == "assistant":
            return True, None
        if name.lower().startswith(MODEL_PREFIXES):
            return True, name.rstrip(".:")
    return False, None


def stop_local(*, reply_id: str | None, user_id: int, room: str | None = None, moderator: bool = False) -> int:
    """Cancels matching replies running in this process that `user_id` may stop; returns how many."""
    stopped = 0
    for reply in list(_running.values()):
        if reply_id and reply.reply_id != reply_id:
            continue
        if reply.room != room:
            continue
        if reply.requested_by != int(user_id) and not (room and moderator):
            continue
        if reply.task and not reply.task.done() and not reply.stopping:
            reply.stopping = True
            reply.task.cancel()
            stopped += 1
    return stopped


def _start(reply: Reply, coroutine) -> str:
    reply.task = asyncio.create_task(coroutine)
    _running[reply.reply_id] = reply
    reply.task.add_done_callback(lambda _task: _running.pop(reply.reply_id, None))
    return reply.reply_id


@database_sync_to_async
def _stopped_message_id(user, conversation_id: str) -> tuple[str | None, int]:
    message = (
        Message.objects.filter(conversation__owner=user, conversation__public_id=conversation_id, role=Role.ASSISTANT)
        .order_by("-position", "-pk")
        .first()
    )
    return (message.public_id, message.tokens or 0) if message else (None, 0)


async def _consume(agen, on_chunk) -> "chat_services.ReplyCompleted | None":
    completed = None
    async for item in agen:
        if isinstance(item, chat_services.ReplyChunk):
            await on_chunk(item.content)
        elif isinstance(item, chat_services.ReplyCompleted):
            completed = item
    return completed


# Per-user and conversation sockets ----------------------------------------------------------
def start_user_reply(
    *,
    user,
    content: str,
    conversation_id: str | None = None,
    model: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
) -> str:
    """Starts streaming a reply to the user's sockets; returns its `reply_id`."""
    reply = Reply(reply_id=new_reply_id(), requested_by=user.pk)
    return _start(
        reply,
        _run_user_reply(reply, user, content, conversation_id, model, temperature, max_tokens),
    )


async def _run_user_reply(reply: Reply, user, content, conversation_id, model, temperature, max_tokens) -> None:
    base = {"reply_id": reply.reply_id, "requested_by": str(user.pk)}
    if conversation_id:
        base["conversation_id"] = conversation_id

    async def publish(frame: dict) -> None:
        await stream.publish(user.pk, {**frame, **base}, conversation_id=conversation_id)
        # daphne batches frames written in a tight loop; give the loop a turn between sends.
        await asyncio.sleep(0)

    await publish({"type": "chat_started", **({"model": model} if model else {})})
    agen = chat_services.stream_reply(
        user=user,
        messages=[{"role": "user", "content": content}],
        model=model,
        temperature=temperature,
        max_tokens=max_tokens,
        conversation_id=conversation_id,
        with_history=bool(conversation_id),
    )
    try:
        completed = await _consume(agen, lambda piece: publish({"type": "chat_chunk", "content": piece}))
    except asyncio.CancelledError:
        await agen.aclose()  # the service stores the partial reply, marked stopped
        message_id, tokens = await _stopped_message_id(user, conversation_id) if conversation_id else (None, 0)
        await publish(
            {"type": "chat_complete", "message_id": message_id, "tokens": tokens, "model": model or "", "stopped": True}
        )
        return
    except APIException as exc:
        from realtime.consumers.base import api_error

        code, message = api_error(exc)
        await publish({"type": "chat_error", "code": code, "message": message})
        return
    except Exception:
        logger.exception("A socket reply failed")
        await publish({"type": "chat_error", "code": "internal_error", "message": "The reply failed."})
        return
    if completed is not None:
        await publish(
            {
                "type": "chat_complete",
                "message_id": completed.message_id,
                "tokens": completed.tokens,
                "model": completed.model,
                "stopped": completed.stopped,
            }
        )


async def conversation_exists(user, conversation_id: str) -> bool:
    return await database_sync_to_async(Conversation.objects.owned_by(user).filter(public_id=conversation_id).exists)()


# Rooms ----------------------------------------------------------------------------------------
def start_room_reply(*, room, requester, model: str | None, context: list[dict]) -> str:
    """Streams an AI reply to every member of the room, then stores it as a room message."""
    reply = Reply(reply_id=new_reply_id(), requested_by=requester.pk, room=room.name)
    return _start(reply, _run_room_reply(reply, room, requester, model, context))


async def _run_room_reply(reply: Reply, room, requester, model, context) -> None:
    from realtime import services

    group = events.room_group(room.name)
    base = {"reply_id": reply.reply_id, "requested_by": str(requester.pk), "room_id": room.name}

    async def broadcast(frame: dict) -> None:
        await events.group_send(group, events.layer_event("room", {**frame, **base}))
        await asyncio.sleep(0)

    parts: list[str] = []

    async def on_chunk(piece: str) -> None:
        parts.append(piece)
        await broadcast({"type": "chat_chunk", "content": piece})

    await broadcast({"type": "chat_started", **({"model": model} if model else {})})
    agen = chat_services.stream_reply(user=requester, messages=context, model=model)
    stopped, completed = False, None
    try:
        completed = await _consume(agen, on_chunk)
    except asyncio.CancelledError:
        await agen.aclose()
        stopped = True
    except APIException as exc:
        from realtime.consumers.base import api_error

        code, message = api_error(exc)
        await broadcast({"type": "chat_error", "code": code, "message": message})
        return
    except Exception:
        logger.exception("A room reply failed")
        await broadcast({"type": "chat_error", "code": "internal_error", "message": "The reply failed."})
        return
    content = completed.content if completed else "".join(parts)
    used_model = completed.model if completed else (model or "")
    tokens = completed.tokens if completed else None
    stored = await database_sync_to_async(services.room_reply_store)(
        room=room,
        requested_by=requester,
        content=content,
        model=used_model,
        stopped=stopped or bool(completed and completed.stopped),
        tokens=tokens,
    )
    await broadcast(
        {
            "type": "chat_complete",
            "message_id": stored.public_id,
            "tokens": tokens or 0,
            "model": used_model,
            "stopped": stored.stopped,
        }
    )
