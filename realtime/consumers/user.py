"""`/ws/{user_id}`: ping, AI chat streaming, stop, typing, and the user's conversation changes."""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from rest_framework.exceptions import APIException

from realtime import events, replies, services, stream
from realtime.consumers.base import FORBIDDEN, FrameError, SocketConsumer, require_str


def _path_user_matches(path_user_id: str, user) -> bool:
    return path_user_id == str(user.pk)


class StreamedSocketConsumer(SocketConsumer):
    """A socket on the user's numbered stream, resumable with `?last_seq=N`."""

    numbered = True

    def last_seq_requested(self) -> int | None:
        values = parse_qs(self.scope.get("query_string", b"").decode("latin1")).get("last_seq")
        if not values:
            return None
        try:
            return max(0, int(values[0]))
        except ValueError:
            return -1

    def wants(self, frame: dict) -> bool:
        return True

    async def join_stream(self, groups: list[str]) -> None:
        """Joins the groups, then replays what the client missed, then lets live frames in."""
        self.replayed: set[int] = set()
        self.live = False
        for group in groups:
            await self.join_group(group)
        last_seq = self.last_seq_requested()
        try:
            self.cursor = await database_sync_to_async(stream.current_seq, thread_sensitive=False)(self.user.pk)
        except Exception:  # cache down: resuming is impossible, live frames still flow
            self.cursor = 0
        if last_seq is not None and last_seq >= 0:
            self.cursor = min(self.cursor, last_seq) if self.cursor else last_seq
        await self.send_frame({"type": "ready", "user_id": str(self.user.pk)})
        if last_seq == -1:
            await self.send_error("invalid_last_seq", "last_seq must be a non-negative integer.")
        elif last_seq is not None:
            await self.replay(last_seq)
        self.live = True

    async def replay(self, last_seq: int) -> None:
        try:
            frames, complete = await database_sync_to_async(stream.frames_after, thread_sensitive=False)(
                self.user.pk, last_seq
            )
        except Exception:
            frames, complete = [], False
        sent = 0
        for frame in frames:
            if self.wants(frame):
                self.replayed.add(frame["seq"])
                await self.send_frame(frame)
                sent += 1
        await self.send_frame(
            {"type": "resumed", "last_seq": last_seq, "replayed": sent, "complete": complete, "seq": self.cursor}
        )

    async def stream_frame(self, event: dict) -> None:
        frame = event["frame"]
        if frame.get("seq") in self.replayed or not self.wants(frame):
            return
        await self.send_frame(frame)

    async def stream_frames(self, event: dict) -> None:
        """Several stream frames in one layer event (`stream.publish_many_sync`)."""
        for frame in event["frames"]:
            await self.stream_frame({"frame": frame})


class UserConsumer(StreamedSocketConsumer):
    kind = "user"
    handlers = {"chat": "on_chat", "stop": "on_stop", "typing": "on_typing"}

    async def authorize(self, user) -> int | None:
        return None if _path_user_matches(self.scope["url_route"]["kwargs"]["user_id"], user) else FORBIDDEN

    async def join(self) -> None:
        await self.join_stream([events.user_group(self.user.pk)])

    async def on_chat(self, frame: dict) -> None:
        content = require_str(frame, "content")
        conversation_id = require_str(frame, "conversation_id", optional=True, max_length=100)
        model = require_str(frame, "model", optional=True, max_length=100)
        temperature, max_tokens = frame.get("temperature"), frame.get("max_tokens")
        if temperature is not None and (
            not isinstance(temperature, int | float) or isinstance(temperature, bool) or not 0 <= temperature <= 2
        ):
            raise FrameError("invalid_field", "`temperature` must be a number from 0 to 2.")
        if max_tokens is not None and (
            not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or not 1 <= max_tokens <= 4096
        ):
            raise FrameError("invalid_field", "`max_tokens` must be an integer from 1 to 4096.")
        if conversation_id and not await replies.conversation_exists(self.user, conversation_id):
            raise FrameError("not_found", "Conversation not found.")
        replies.start_user_reply(
            user=self.user,
            content=content,
            conversation_id=conversation_id,
            model=model,
            temperature=temperature,
            max_tokens=max_tokens,
        )

    async def on_stop(self, frame: dict) -> None:
        reply_id = require_str(frame, "reply_id", optional=True, max_length=100)
        replies.stop_local(reply_id=reply_id, user_id=self.user.pk)
        # The reply may run on another process (the socket that asked may be gone).
        await self.send_to_group(
            events.user_group(self.user.pk), {"type": "reply.stop", "reply_id": reply_id, "user_id": self.user.pk}
        )

    async def on_typing(self, frame: dict) -> None:
        room_id = require_str(frame, "room_id", optional=True, max_length=100)
        to = require_str(frame, "to", optional=True, max_length=20)
        if bool(room_id) == bool(to):
            raise FrameError("missing_field", "typing needs exactly one of `room_id` or `to`.")
        await relay_typing(self, room_id=room_id, to=to)


async def relay_typing(consumer: SocketConsumer, *, room_id: str | None, to: str | None) -> None:
    """`user_typing` to the room's members or the other party, never back to the sender."""
    user_id = str(consumer.user.pk)
    if room_id:
        try:
            await database_sync_to_async(services.room_can_access)(room_name=room_id, user=consumer.user)
        except APIException:
            raise FrameError("not_found", "No such room.") from None
        frame = {"type": "user_typing", "user_id": user_id, "room_id": room_id}
        await consumer.send_to_group(events.room_group(room_id), events.layer_event("room", frame, exclude=user_id))
        return
    if not to.isdigit() or to == user_id:
        raise FrameError("invalid_field", "`to` must be another user's id.")
    frame = {"type": "user_typing", "user_id": user_id}
    numbered = await stream.publish(int(to), frame, durable=False)
    if "seq" not in numbered:
        await consumer.send_error("delivery_unavailable", "Live delivery is unavailable right now; try again shortly.")
        return
    await consumer.send_to_group(events.pair_group(to, user_id), events.layer_event("private", frame))
