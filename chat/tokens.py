"""Token estimates for when a provider does not report usage, and for budget reservations."""

import math


def estimate_tokens(text: str) -> int:
    """About four characters per token for English (OpenAI's rule of thumb); CJK text runs
    closer to one token per character, so those count one each."""
    if not text:
        return 0
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return wide + math.ceil((len(text) - wide) / 4)


def estimate_prompt_tokens(*, system: str, messages: list[dict]) -> int:
    # A few tokens of framing per message, as the chat formats add.
    return estimate_tokens(system) + sum(estimate_tokens(m["content"]) + 4 for m in messages)
