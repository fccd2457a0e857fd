"""The per-user frame stream: an increasing `seq` on every frame and a resume buffer.

Both live in the cache (Redis in production, so every process shares them; local memory on the
embedded default). A frame is numbered, stored for `REALTIME_RESUME_SECONDS`, then sent to the
user's group (and to the conversation's group when it belongs to one). A client reconnecting with
`?last_seq=N` is sent the stored frames after N before live ones.

The counter starts at the current time in milliseconds, so if the cache ever loses it (a Redis
restart without persistence) numbering continues above every number handed out before.
"""

import logging

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings

from realtime import events
from realtime.sharedcache import cache

logger = logging.getLogger(__name__)


SEQ_COUNTER_SECONDS = 24 * 3600


def _seq_key(user_id: int | str) -> str:
    return f"rt:seq:{user_id}"


def _frame_key(user_id: int | str, seq: int) -> str:
    return f"rt:frame:{user_id}:{seq}"


def next_seq(user_id: int | str, count: int = 1) -> int:
    """Takes `count` numbers; returns the last (the others are the `count - 1` before it)."""
    key = _seq_key(user_id)
    try:
        return cache().incr(key, count)
    except ValueError:  # no counter yet, or it expired
        # Starting from the clock keeps numbers increasing across an expiry (a user would need
        # more than a thousand frames a second to catch up with it), so the key need not live for ever.
        cache().add(key, events.now_ms(), timeout=SEQ_COUNTER_SECONDS)
        return cache().incr(key, count)


def current_seq(user_id: int | str) -> int:
    return cache().get(_seq_key(user_id)) or 0


def number_and_store(user_id: int | str, frame: dict, *, durable: bool = True) -> dict:
    """The frame with its `seq`. Durable frames are kept for resuming; ephemeral ones (typing)
    leave a marker, so a missing number always means the window expired."""
    numbered = {**frame, "seq": next_seq(user_id)}
    kept = numbered if durable else {"seq": numbered["seq"], "ephemeral": True}
    cache().set(_frame_key(user_id, numbered["seq"]), kept, timeout=settings.REALTIME_RESUME_SECONDS)
    return numbered


def frames_after(user_id: int | str, last_seq: int) -> tuple[list[dict], bool]:
    """Stored frames after `last_seq`, oldest first, and whether none in between was lost."""
    latest = current_seq(user_id)
    if last_seq >= latest:
        return [], True
    first = max(last_seq + 1, latest - settings.REALTIME_RESUME_MAX_FRAMES + 1)
    found = cache().get_many([_frame_key(user_id, seq) for seq in range(first, latest + 1)])
    complete = first == last_seq + 1 and len(found) == latest - first + 1
    frames = sorted((f for f in found.values() if not f.get("ephemeral")), key=lambda f: f["seq"])
    return frames, complete


def number_and_store_many(user_id: int | str, frames: list[dict]) -> list[dict]:
    """`number_and_store` for several durable frames: one counter increment, one write."""
    last = next_seq(user_id, len(frames))
    numbered = [{**frame, "seq": last - len(frames) + 1 + i} for i, frame in enumerate(frames)]
    cache().set_many({_frame_key(user_id, f["seq"]): f for f in numbered}, timeout=settings.REALTIME_RESUME_SECONDS)
    return numbered


def publish_many_sync(user_id: int | str, frames: list[tuple[dict, str | None]], *, to_conversations: bool) -> None:
    """`publish_sync` for many frames (a batch create or delete of up to 1,000 conversations):
    numbered and stored at once, sent to the user's sockets as one layer event, and, when
    `to_conversations`, each to its conversation's sockets, all from one event loop. Frame by
    frame this cost two thread-and-loop round trips each: 2.6 s for a batch of 1,000."""
    if not frames:
        return
    try:
        numbered = number_and_store_many(user_id, [frame for frame, _ in frames])
    except Exception as exc:
        logger.warning("Could not number frames for user %s: %s", user_id, exc.__class__.__name__)
        events._note_failure(events.user_group(user_id), exc)
        return

    async def send() -> None:
        await events.group_send(events.user_group(user_id), {"type": "stream.frames", "frames": numbered})
        if to_conversations:
            for frame, (_, conversation_id) in zip(numbered, frames, strict=True):
                if conversation_id:
                    event = events.layer_event("stream", frame)
                    await events.group_send(events.conversation_group(user_id, conversation_id), event)

    async_to_sync(send)()


def publish_sync(user_id: int | str, frame: dict, *, conversation_id: str | None = None, durable: bool = True) -> dict:
    """Numbers, stores and sends `frame` to every per-user socket of the user (and the
    conversation's sockets). Layer or cache failures are logged, never raised."""
    try:
        numbered = number_and_store(user_id, frame, durable=durable)
    except Exception as exc:  # the cache (Redis) is down: nothing can be delivered or kept
        logger.warning("Could not number a frame for user %s: %s", user_id, exc.__class__.__name__)
        events._note_failure(events.user_group(user_id), exc)
        return frame
    event = events.layer_event("stream", numbered)
    events.group_send_sync(events.user_group(user_id), event)
    if conversation_id:
        events.group_send_sync(events.conversation_group(user_id, conversation_id), event)
    return numbered


async def publish(user_id: int | str, frame: dict, *, conversation_id: str | None = None, durable: bool = True) -> dict:
    try:
        numbered = await sync_to_async(number_and_store, thread_sensitive=False)(user_id, frame, durable=durable)
    except Exception as exc:
        logger.warning("Could not number a frame for user %s: %s", user_id, exc.__class__.__name__)
        events._note_failure(events.user_group(user_id), exc)
        return frame
    event = events.layer_event("stream", numbered)
    await events.group_send(events.user_group(user_id), event)
    if conversation_id:
        await events.group_send(events.conversation_group(user_id, conversation_id), event)
    return numbered
