"""Anthropic through the official SDK's AsyncAnthropic.

The installed SDK (2.x) has no `temperature` argument on `messages.create()`; the API still
accepts the field, so it travels in `extra_body`.
"""

from collections.abc import AsyncIterator

import anthropic
from django.conf import settings

from chat.providers.base import Completion, CompletionRequest, Usage, map_sdk_error
from chat.providers.clients import sdk_client_options


class AnthropicProvider:
    name = "anthropic"
    label = "Anthropic"
    key_setting = "ANTHROPIC_API_KEY"

    def is_configured(self, *, api_key: str | None = None) -> bool:
        return bool(api_key or settings.ANTHROPIC_API_KEY or settings.ANTHROPIC_BASE_URL)

    def _client(self, request: CompletionRequest) -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(
            api_key=request.api_key or settings.ANTHROPIC_API_KEY or "not-needed",
            base_url=settings.ANTHROPIC_BASE_URL or "https://api.anthropic.com",
            open_telemetry=False,
            **sdk_client_options(anthropic.DefaultAsyncHttpxClient),
        )

    def _params(self, request: CompletionRequest) -> dict:
        params = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": [{"role": m["role"], "content": m["content"]} for m in request.messages],
        }
        if request.system:
            params["system"] = request.system
        if request.temperature is not None:
            params["extra_body"] = {"temperature": request.temperature}
        return params

    async def complete(self, request: CompletionRequest) -> Completion:
        client = self._client(request)
        try:
            message = await client.messages.create(**self._params(request))
        except anthropic.APIError as exc:
            raise map_sdk_error(exc, label=self.label, key_setting=self.key_setting) from exc
        finally:
            await client.close()
        text = "".join(block.text for block in message.content if getattr(block, "type", None) == "text")
        usage = message.usage
        return Completion(
            content=text,
            usage=Usage(usage.input_tokens, usage.output_tokens) if usage is not None else None,
        )

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str | Usage]:
        client = self._client(request)
        try:
            try:
                stream = await client.messages.create(**self._params(request), stream=True)
            except anthropic.APIError as exc:
                raise map_sdk_error(exc, label=self.label, key_setting=self.key_setting) from exc
            input_tokens = output_tokens = None
            try:
                async for event in stream:
                    if event.type == "message_start":
                        input_tokens = event.message.usage.input_tokens
                        output_tokens = event.message.usage.output_tokens
                    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                        if event.delta.text:
                            yield event.delta.text
                    elif event.type == "message_delta" and event.usage is not None:
                        # Cumulative output tokens so far.
                        output_tokens = event.usage.output_tokens
            except anthropic.APIError as exc:
                raise map_sdk_error(exc, label=self.label, key_setting=self.key_setting) from exc
            finally:
                # Also runs on aclose()/cancellation: closes the upstream HTTP stream.
                await stream.close()
            if input_tokens is not None and output_tokens is not None:
                yield Usage(input_tokens, output_tokens)
        finally:
            await client.close()
