"""`/ws/room/{room_id}/{user_id}`: a room's chat, presence and AI replies."""

from channels.db import database_sync_to_async
from django.conf import settings
from rest_framework.exceptions import PermissionDenied

from realtime import events, presence, replies, services
from realtime.consumers.base import FORBIDDEN, FrameError, SocketConsumer, require_str
from realtime.models import RoomMembership, RoomMessage


def _members(room, online: set[str]) -> list[dict]:
    rows = RoomMembership.objects.filter(room=room).select_related("user").order_by("user__username")
    return [{"user_id": str(m.user_id), "username": m.user.username, "online": str(m.user_id) in online} for m in rows]


def _room_context(room, limit: int) -> list[dict]:
    """The room's recent messages as a chat transcript for the model."""
    return [
        {
            "role": "assistant" if m.role == RoomMessage.Role.ASSISTANT else "user",
            "content": m.content if m.role == RoomMessage.Role.ASSISTANT else f"{m.author.username}: {m.content}",
        }
        for m in RoomMessage.objects.recent(room, limit)
    ]


class RoomConsumer(SocketConsumer):
    kind = "room"
    handlers = {"chat": "on_chat", "stop": "on_stop", "typing": "on_typing"}

    @property
    def room_name(self) -> str:
        return self.scope["url_route"]["kwargs"]["room_id"]

    async def authorize(self, user) -> int | None:
        if self.scope["url_route"]["kwargs"]["user_id"] != str(user.pk):
            return FORBIDDEN
        try:
            self.room, self.membership = await database_sync_to_async(services.room_join)(
                room_name=self.room_name, user=user
            )
        except PermissionDenied:
            return FORBIDDEN
        return None

    async def join(self) -> None:
        self.group = events.room_group(self.room_name)
        await self.join_group(self.group)
        await self._touch_presence()
        history, members = await database_sync_to_async(self._state)()
        await self.send_frame({"type": "ready", "user_id": str(self.user.pk)})
        await self.send_frame(
            {"type": "room_joined", "room_id": self.room_name, "history": history, "members": members}
        )
        await self.send_to_group(
            self.group,
            events.layer_event(
                "room",
                {
                    "type": "user_joined",
                    "room_id": self.room_name,
                    "user_id": str(self.user.pk),
                    "username": self.user.username,
                },
            ),
        )

    def _state(self) -> tuple[list[dict], list[dict]]:
        try:
            online = presence.online_user_ids(self.room_name)
        except Exception:  # presence lives in Redis; without it nobody is known to be online
            online = {str(self.user.pk)}
        history = [
            events.chat_message_frame(m) for m in RoomMessage.objects.recent(self.room, settings.REALTIME_ROOM_HISTORY)
        ]
        return history, _members(self.room, online)

    async def _touch_presence(self) -> None:
        try:
            await database_sync_to_async(presence.touch, thread_sensitive=False)(
                self.room_name, self.user.pk, self.channel_name
            )
        except Exception:
            pass  # the next heartbeat tries again

    def presence_entry(self) -> tuple[str, int | str, str] | None:
        return (self.room_name, self.user.pk, self.channel_name)

    async def leave(self) -> None:
        try:
            await database_sync_to_async(presence.leave, thread_sensitive=False)(
                self.room_name, self.user.pk, self.channel_name
            )
            still_here = await database_sync_to_async(presence.is_online, thread_sensitive=False)(
                self.room_name, self.user.pk
            )
        except Exception:
            still_here = False
        if not still_here:  # the user's last tab in this room
            await events.group_send(
                self.group,
                events.layer_event(
                    "room", {"type": "user_left", "room_id": self.room_name, "user_id": str(self.user.pk)}
                ),
            )

    async def on_chat(self, frame: dict) -> None:
        content = require_str(frame, "content")
        with events.capture_send_failures() as failures:
            message = await database_sync_to_async(services.room_message_post)(
                room=self.room, author=self.user, content=content
            )
        if failures:
            await self.send_error(
                "delivery_unavailable",
                f"Message {message.public_id} was stored but live delivery is unavailable right now.",
            )
        wanted, model = replies.mentioned_model(content)
        if wanted:
            context = await database_sync_to_async(_room_context)(self.room, settings.REALTIME_ROOM_AI_CONTEXT)
            replies.start_room_reply(room=self.room, requester=self.user, model=model, context=context)

    async def on_stop(self, frame: dict) -> None:
        reply_id = require_str(frame, "reply_id", optional=True, max_length=100)
        moderator = await database_sync_to_async(services.room_is_moderator)(room=self.room, user=self.user)
        local = [r for r in replies.running() if r.room == self.room_name and (not reply_id or r.reply_id == reply_id)]
        if local and not moderator and all(r.requested_by != self.user.pk for r in local):
            raise FrameError("permission_denied", "Only the member who asked (or a moderator) can stop this reply.")
        replies.stop_local(reply_id=reply_id, user_id=self.user.pk, room=self.room_name, moderator=moderator)
        await self.send_to_group(
            self.group,
            {
                "type": "reply.stop",
                "reply_id": reply_id,
                "user_id": self.user.pk,
                "room": self.room_name,
                "moderator": moderator,
            },
        )

    async def on_typing(self, frame: dict) -> None:
        frame = {"type": "user_typing", "user_id": str(self.user.pk), "room_id": self.room_name}
        await self.send_to_group(self.group, events.layer_event("room", frame, exclude=str(self.user.pk)))

    async def room_frame(self, event: dict) -> None:
        if event.get("exclude") and event["exclude"] == str(self.user.pk):
            return
        await self.send_frame(event["frame"])
