"""Pushes conversation changes, from whichever door they came, to the owner's sockets."""

from django.dispatch import receiver

from conversations.models import Conversation
from conversations.serializers import conversation_payload
from conversations.signals import conversations_changed
from realtime import stream


@receiver(conversations_changed)
def push_conversation_changes(
    sender, *, owner_id: int, action: str, conversation_ids: list[str], conversations=None, **kwargs
) -> None:
    """Sent after commit: one `conversation_<action>` frame per conversation, to every per-user
    socket of the owner and the conversation's own sockets, numbered for resuming."""
    payloads = {}
    if action != "deleted":
        if conversations is None:
            conversations = Conversation.objects.filter(owner_id=owner_id, public_id__in=conversation_ids)
        payloads = {c.public_id: conversation_payload(c, with_messages=False) for c in conversations}
    frames = []
    for conversation_id in conversation_ids:
        frame = {"type": f"conversation_{action}", "conversation_id": conversation_id}
        if conversation_id in payloads:
            frame["conversation"] = payloads[conversation_id]
        frames.append((frame, conversation_id))
    # A conversation socket opens only on an existing conversation: none waits for a created one.
    stream.publish_many_sync(owner_id, frames, to_conversations=action != "created")
