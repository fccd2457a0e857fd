"""Provider registry and routing by model name."""

from chat.providers.anthropic import AnthropicProvider
from chat.providers.base import Provider
from chat.providers.local import LocalProvider
from chat.providers.openai import OpenAIProvider

PROVIDERS: dict[str, Provider] = {
    "openai": OpenAIProvider(),
    "anthropic": AnthropicProvider(),
    "local": LocalProvider(),
}

_PREFIXES = (
    ("gpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("chatgpt-", "openai"),
    ("claude-", "anthropic"),
    ("local-", "local"),
)


def provider_name_for_model(model: str) -> str | None:
    for prefix, name in _PREFIXES:
        if model.startswith(prefix):
            return name
    return None
