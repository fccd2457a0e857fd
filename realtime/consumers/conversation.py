"""`/ws/v1/conversations/{id}`: one conversation's stream for its owner."""

from realtime import events, replies
from realtime.consumers.base import NOT_FOUND, FrameError, require_str
from realtime.consumers.user import StreamedSocketConsumer


class ConversationConsumer(StreamedSocketConsumer):
    kind = "conversation"
    handlers = {"message": "on_message", "chat": "on_message", "stop": "on_stop"}

    @property
    def conversation_id(self) -> str:
        return self.scope["url_route"]["kwargs"]["conversation_id"]

    async def authorize(self, user) -> int | None:
        # Ids are scoped by owner, so another user's conversation is simply not found here:
        # the answer is the same whether or not it exists.
        return None if await replies.conversation_exists(user, self.conversation_id) else NOT_FOUND

    def wants(self, frame: dict) -> bool:
        return frame.get("conversation_id") == self.conversation_id

    async def join(self) -> None:
        await self.join_stream([events.conversation_group(self.user.pk, self.conversation_id)])

    async def on_message(self, frame: dict) -> None:
        content = require_str(frame, "content")
        model = require_str(frame, "model", optional=True, max_length=100)
        if not await replies.conversation_exists(self.user, self.conversation_id):
            raise FrameError("not_found", "Conversation not found.")
        replies.start_user_reply(user=self.user, content=content, conversation_id=self.conversation_id, model=model)

    async def on_stop(self, frame: dict) -> None:
        reply_id = require_str(frame, "reply_id", optional=True, max_length=100)
        replies.stop_local(reply_id=reply_id, user_id=self.user.pk)
        event = {"type": "reply.stop", "reply_id": reply_id, "user_id": self.user.pk}
        await self.send_to_group(events.user_group(self.user.pk), event)
        await self.send_to_group(events.conversation_group(self.user.pk, self.conversation_id), event)
