"""OpenAI (and any OpenAI-compatible server) through the official SDK's AsyncOpenAI."""

from collections.abc import AsyncIterator

import openai
from django.conf import settings

from chat.providers.base import Completion, CompletionRequest, Usage, map_sdk_error
from chat.providers.clients import sdk_client_options

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
        try:
            try:
                stream = await client.chat.completions.create(
                    **self._params(request), stream=True, stream_options={"include_usage": True}
                )
            except openai.APIError as exc:
                raise map_sdk_error(exc, label=self.label, key_setting=self.key_setting) from exc
            usage = None
            try:
                async for chunk in stream:
                    if chunk.usage is not None:
                        usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    for choice in chunk.choices:
                        if choice.delta is not None and choice.delta.content:
                            yield choice.delta.content
            except openai.APIError as exc:
                raise map_sdk_error(exc, label=self.label, key_setting=self.key_setting) from exc
            finally:
                # Also runs on aclose()/cancellation: closes the upstream HTTP stream.
                await stream.close()
            if usage is not None:
                yield usage
        finally:
            await client.close()
