"""Anthropic through the official SDK's AsyncAnthropic.

The installed SDK (2.x) has no `temperature` argument on `messages.create()`; the API still
accepts the field, so it travels in `extra_body`.
"""

import json
from collections.abc import AsyncIterator

import anthropic
import httpx2
from django.conf import settings

from chat.providers.base import Completion, CompletionRequest, Usage, map_sdk_error
from chat.providers.clients import sdk_client_options
from chat.providers.sse import read_events


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
        input_tokens = output_tokens = None
        try:
            # The raw response: the SDK would build a pydantic model for every event (see sse.py).
            async with client.messages.with_streaming_response.create(**self._params(request), stream=True) as response:
                async for event, data in read_events(response.http_response):
                    if event == "content_block_delta":
                        delta = json.loads(data)["delta"]
                        if delta.get("type") == "text_delta" and delta.get("text"):
                            yield delta["text"]
                    elif event == "message_start":
                        usage = json.loads(data)["message"]["usage"]
                        input_tokens, output_tokens = usage["input_tokens"], usage["output_tokens"]
                    elif event == "message_delta":
                        usage = json.loads(data).get("usage")
                        if usage is not None:
                            output_tokens = usage["output_tokens"]  # cumulative so far
                    elif event == "error":
                        raise _stream_error(data, response.http_response)
        except (anthropic.APIError, httpx2.RequestError) as exc:
            raise map_sdk_error(exc, label=self.label, key_setting=self.key_setting) from exc
        finally:
            # Also runs on aclose()/cancellation, after the response above is closed.
            await client.close()
        if input_tokens is not None and output_tokens is not None:
            yield Usage(input_tokens, output_tokens)


def _stream_error(data: bytes, response: httpx2.Response) -> anthropic.APIStatusError:
    """What the SDK raises for an `error` event in the stream."""
    try:
        body = json.loads(data)
    except ValueError:
        body = data.decode(errors="replace")
    return anthropic.APIStatusError(str(body) or f"Error code: {response.status_code}", response=response, body=body)
