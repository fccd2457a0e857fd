"""OpenAI (and any OpenAI-compatible server) through the official SDK's AsyncOpenAI."""

import json
from collections.abc import AsyncIterator

import httpx2
import openai
from django.conf import settings

from chat.providers.base import Completion, CompletionRequest, Usage, map_sdk_error
from chat.providers.clients import sdk_client_options
from chat.providers.sse import read_events

# The SDK reads these from the environment when not given; we pass everything explicitly.
_NO_KEY = "not-needed"


class OpenAIProvider:
    name = "openai"
    label = "OpenAI"
    key_setting = "OPENAI_API_KEY"

    def is_configured(self, *, api_key: str | None = None) -> bool:
        return bool(api_key or settings.OPENAI_API_KEY or settings.OPENAI_BASE_URL)

    def _client(self, request: CompletionRequest) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            api_key=request.api_key or settings.OPENAI_API_KEY or _NO_KEY,
            base_url=settings.OPENAI_BASE_URL or "https://api.openai.com/v1",
            organization=None,
            project=None,
            **sdk_client_options(openai.DefaultAsyncHttpxClient),
        )

    def _params(self, request: CompletionRequest) -> dict:
        messages = ([{"role": "system", "content": request.system}] if request.system else []) + [
            {"role": m["role"], "content": m["content"]} for m in request.messages
        ]
        params = {"model": request.model, "messages": messages, "max_tokens": request.max_tokens}
        if request.temperature is not None:
            params["temperature"] = request.temperature
        return params

    async def complete(self, request: CompletionRequest) -> Completion:
        client = self._client(request)
        try:
            response = await client.chat.completions.create(**self._params(request))
        except openai.APIError as exc:
            raise map_sdk_error(exc, label=self.label, key_setting=self.key_setting) from exc
        finally:
            await client.close()
        content = response.choices[0].message.content or "" if response.choices else ""
        usage = response.usage
        return Completion(
            content=content,
            usage=Usage(usage.prompt_tokens, usage.completion_tokens) if usage is not None else None,
        )

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str | Usage]:
        client = self._client(request)
        usage = None
        try:
            # The raw response: the SDK would build a pydantic model for every chunk (see sse.py).
            async with client.chat.completions.with_streaming_response.create(
                **self._params(request), stream=True, stream_options={"include_usage": True}
            ) as response:
                async for _, data in read_events(response.http_response):
                    if data.startswith(b"[DONE]"):
                        break
                    if not data:
                        continue
                    chunk = json.loads(data)
                    if chunk.get("error"):
                        raise _stream_error(chunk["error"], response.http_request)
                    if chunk.get("usage"):
                        usage = Usage(chunk["usage"]["prompt_tokens"], chunk["usage"]["completion_tokens"])
                    for choice in chunk.get("choices") or ():
                        content = (choice.get("delta") or {}).get("content")
                        if content:
                            yield content
        except (openai.APIError, httpx2.RequestError) as exc:
            raise map_sdk_error(exc, label=self.label, key_setting=self.key_setting) from exc
        finally:
            # Also runs on aclose()/cancellation, after the response above is closed.
            await client.close()
        if usage is not None:
            yield usage


def _stream_error(error, request: httpx2.Request) -> openai.APIError:
    """What the SDK raises for an error object in the stream."""
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str) or not message:
        message = "An error occurred during streaming"
    return openai.APIError(message, request, body=error)
