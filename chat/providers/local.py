"""The built-in local development model: no network, no keys, a deterministic reply.

It says what it is, then reflects the last user message back. Its tokens are words, counted
exactly, so usage is never estimated and costs nothing.
"""

import asyncio
from collections.abc import AsyncIterator

from django.conf import settings

from chat.providers.base import Completion, CompletionRequest, Usage
from chat.tokens import estimate_tokens

MODELS = ["local-echo"]
_QUOTE_WORDS = 60


def reply_words(request: CompletionRequest) -> list[str]:
    last_user = next((m["content"] for m in reversed(request.messages) if m["role"] == "user"), "")
    quoted = " ".join(last_user.split()[:_QUOTE_WORDS]) or "(nothing)"
    if len(last_user.split()) > _QUOTE_WORDS:
        quoted += " …"
    text = (
        f"This is {request.model}, the local development model of Chat Studio. No AI service was "
        f"called, so this reply is not intelligent. You wrote: {quoted}"
    )
    if request.system:
        text += " (A system prompt was set.)"
    return text.split(" ")[: request.max_tokens]


def _pieces(words: list[str]) -> list[str]:
    return [word if i == 0 else " " + word for i, word in enumerate(words)]


class LocalProvider:
    name = "local"
    label = "the local model"
    key_setting = ""

    def is_configured(self, *, api_key: str | None = None) -> bool:
        return True

    def _usage(self, request: CompletionRequest, output_tokens: int) -> Usage:
        prompt = request.system + "".join(m["content"] for m in request.messages)
        return Usage(input_tokens=estimate_tokens(prompt), output_tokens=output_tokens)

    async def complete(self, request: CompletionRequest) -> Completion:
        words = reply_words(request)
        return Completion(content="".join(_pieces(words)), usage=self._usage(request, len(words)))

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str | Usage]:
        words = reply_words(request)
        for piece in _pieces(words):
            yield piece
            await asyncio.sleep(settings.LOCAL_MODEL_WORD_DELAY)
        yield self._usage(request, len(words))
