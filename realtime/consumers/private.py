"""`/ws/private/{from_user}/{to_user}`: direct messages with a reliable queue.

Messages are stored before they are acknowledged to the sender, delivered live to every private
socket of the recipient, and delivered again, in order, on each connect until the recipient
acknowledges them (`ack`), so a Redis or server restart loses none. A resent `message_id` is
stored and delivered once.
"""

import asyncio
import uuid

from channels.db import database_sync_to_async

from accounts.models import User
from realtime import events, services
from realtime.consumers.base import FORBIDDEN, NOT_FOUND, FrameError, SocketConsumer, require_str
from realtime.consumers.user import relay_typing
from realtime.models import PrivateMessage

MESSAGE_ID_MAX = 100


class PrivateConsumer(SocketConsumer):
    kind = "private"
    handlers = {"message": "on_message", "ack": "on_ack", "typing": "on_typing"}

    async def authorize(self, user) -> int | None:
        kwargs = self.scope["url_route"]["kwargs"]
        if kwargs["from_user"] != str(user.pk):
            return FORBIDDEN
        to = kwargs["to_user"]
        self.peer = (
            await database_sync_to_async(User.objects.filter(pk=int(to), is_active=True).first)()
            if to.isdigit()
            else None
        )
        if self.peer is None or self.peer.pk == user.pk:
            return NOT_FOUND
        return None

    async def join(self) -> None:
        await self.join_group(events.inbox_group(self.user.pk))
        await self.join_group(events.pair_group(self.user.pk, self.peer.pk))
        await self.send_frame({"type": "ready", "user_id": str(self.user.pk)})
        await self.deliver_pending()

    async def deliver_pending(self) -> None:
        pending = await database_sync_to_async(lambda: list(PrivateMessage.objects.pending_for(self.user)))()
        self.delivered_on_join = {(m.sender_id, m.message_id) for m in pending}
        for message in pending:
            await self.send_frame(events.private_message_frame(message))
            await asyncio.sleep(0)

    async def on_message(self, frame: dict) -> None:
        content = require_str(frame, "content")
        message_id = require_str(frame, "message_id", optional=True, max_length=MESSAGE_ID_MAX) or (
            f"pm_{uuid.uuid4().hex}"
        )
        with events.capture_send_failures() as failures:
            message, created = await database_sync_to_async(services.private_message_send)(
                sender=self.user, recipient=self.peer, content=content, message_id=message_id
            )
        # Stored (committed) before this acknowledgement: live delivery may fail, the queue won't.
        await self.send_frame(
            {
                "type": "message_sent",
                "to": str(self.peer.pk),
                "message_id": message.message_id,
                "timestamp": int(message.created_at.timestamp() * 1000),
                "duplicate": not created,
            }
        )
        if failures:
            await self.send_error(
                "delivery_unavailable", "Stored; the recipient will receive it when live delivery is back."
            )

    async def on_ack(self, frame: dict) -> None:
        message_id = require_str(frame, "message_id", max_length=MESSAGE_ID_MAX)
        sender = frame.get("from")
        if sender is not None and not (isinstance(sender, str) and sender.isdigit()):
            raise FrameError("invalid_field", "`from` must be a user id.")
        await database_sync_to_async(services.private_messages_ack)(
            recipient=self.user, message_ids=[message_id], sender_id=int(sender) if sender else None
        )

    async def on_typing(self, frame: dict) -> None:
        await relay_typing(self, room_id=None, to=str(self.peer.pk))

    async def private_frame(self, event: dict) -> None:
        frame = event["frame"]
        if frame["type"] == "private_message":
            key = (int(frame["from"]), frame["message_id"])
            if key in getattr(self, "delivered_on_join", set()):
                return  # already sent from the queue on join
        await self.send_frame(frame)
