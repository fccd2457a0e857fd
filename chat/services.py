"""TEMPORARY stand-in for the chat app's completion service (branch `chat` replaces this file).

It implements only the interface the realtime app streams through, with a tiny local word-by-word
generator, so the socket code and its tests run before the real service lands. Keep it in this
one file so the merge is a plain replacement.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from chatstudio.exceptions import BadRequest
from conversations import services as conversation_services
from conversations.models import Conversation

WORD_DELAY_SECONDS = 0.02


@dataclass(frozen=True)
class ReplyChunk:
    content: str


@dataclass(frozen=True)
class ReplyCompleted:
    content: str
    model: str
    tokens: int
    input_tokens: int
    output_tokens: int
    message_id: str | None
    stopped: bool


def _local_reply(messages: list[dict]) -> str:
    prompt = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
    return f"This is the local development model (no provider called). You said: {prompt}"


async def stream_reply(
    *,
    user,
    messages: list[dict],
    model=None,
    temperature=None,
    max_tokens=None,
    conversation_id: str | None = None,
    provider: str | None = None,
    with_history: bool = False,
) -> AsyncIterator[ReplyChunk | ReplyCompleted]:
    model = model or settings.DEFAULT_CHAT_MODEL
    if not model.startswith("local-"):
        raise BadRequest(_("Unknown model %(model)s. Available: local-echo.") % {"model": model}, code="unknown_model")
    conversation = None
    if conversation_id:
        conversation = await database_sync_to_async(
            Conversation.objects.owned_by(user).filter(public_id=conversation_id).first
        )()
        if conversation is None:
            raise NotFound(_("Conversation not found."), code="not_found")
        last = messages[-1] if messages else None
        if last and last.get("role") == "user":
            await database_sync_to_async(conversation_services.message_append)(
                conversation=conversation, data={"role": "user", "content": last["content"]}
            )
    words = _local_reply(messages).split(" ")
    input_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
    produced: list[str] = []

    async def store(stopped: bool):
        if conversation is None:
            return None
        return await database_sync_to_async(conversation_services.message_append)(
            conversation=conversation,
            data={
                "role": "assistant",
                "content": "".join(produced),
                "model": model,
                "tokens": len(produced),
                "stopped": stopped,
            },
        )

    try:
        for index, word in enumerate(words):
            await asyncio.sleep(WORD_DELAY_SECONDS)
            piece = word if index == 0 else f" {word}"
            produced.append(piece)
            yield ReplyChunk(piece)
    except (asyncio.CancelledError, GeneratorExit):
        await store(stopped=True)
        raise
    message = await store(stopped=False)
    yield ReplyCompleted(
        content="".join(produced),
        model=model,
        tokens=input_tokens + len(produced),
        input_tokens=input_tokens,
        output_tokens=len(produced),
        message_id=message.public_id if message else None,
        stopped=False,
    )
