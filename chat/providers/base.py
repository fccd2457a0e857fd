"""The provider protocol every AI backend implements, and the errors providers raise.

A provider turns a `CompletionRequest` into either one `Completion` (`complete`) or an async
iterator of text pieces ending with one `Usage` (`stream`). Closing the iterator early
(`aclose()`, or cancelling the task consuming it) closes the upstream HTTP stream.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

import httpx2
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int
    estimated: bool = False


@dataclass(frozen=True)
class CompletionRequest:
    model: str
    messages: list[dict]  # {"role": "user" | "assistant", "content": str}, in order
    system: str = ""
    temperature: float | None = None
    max_tokens: int = 1024
    api_key: str | None = None  # the user's own key, else the server's
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Completion:
    content: str
    usage: Usage | None  # None when the provider did not report usage


class Provider(Protocol):
    name: str  # "openai", "anthropic", "local"
    label: str  # for messages: "OpenAI"

    def is_configured(self, *, api_key: str | None = None) -> bool: ...

    async def complete(self, request: CompletionRequest) -> Completion: ...

    def stream(self, request: CompletionRequest) -> AsyncIterator[str | Usage]:
        """Text pieces as they arrive, then at most one `Usage` (absent when not reported)."""
        ...


class ProviderError(APIException):
    """A provider failure, mapped to the answer the client gets."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = _("The AI provider failed.")
    default_code = "provider_error"


class ProviderBadRequest(ProviderError):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The AI provider rejected the request.")
    default_code = "provider_bad_request"


class ProviderAuthFailed(ProviderError):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = _("The AI provider rejected the configured credentials.")
    default_code = "provider_auth_failed"


class ProviderRateLimited(ProviderError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("The AI provider is rate limiting requests; retry later.")
    default_code = "provider_rate_limited"

    def __init__(self, detail=None, code=None, wait: float | None = None):
        super().__init__(detail, code)
        # The exception handler turns `wait` into a Retry-After header.
        self.wait = wait if wait is not None else 1


class ProviderTimeout(ProviderError):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_detail = _("The AI provider did not answer in time.")
    default_code = "provider_timeout"


class ProviderUnavailable(ProviderError):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = _("The AI provider could not be reached or failed.")
    default_code = "provider_unavailable"


def retry_after_seconds(headers) -> float | None:
    """Seconds from a Retry-After (or retry-after-ms) header; None when absent or an HTTP date."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return float(value)
        except ValueError:
            return None
    return None


def map_sdk_error(exc: Exception, *, label: str, key_setting: str) -> ProviderError:
    """One mapping for both SDKs, whose exception classes share names and meaning, and for their
    HTTP client's errors (raised while we read a raw streamed response)."""
    name = type(exc).__name__
    status_code = getattr(exc, "status_code", None)
    if name == "APITimeoutError" or isinstance(exc, httpx2.TimeoutException):
        return ProviderTimeout(_("%(provider)s did not answer in time.") % {"provider": label})
    if name == "APIConnectionError" or isinstance(exc, httpx2.RequestError):
        return ProviderUnavailable(_("%(provider)s could not be reached.") % {"provider": label})
    if status_code in (401, 403):
        return ProviderAuthFailed(
            _("%(provider)s rejected the API key; check %(setting)s or your stored %(provider)s key.")
            % {"provider": label, "setting": key_setting}
        )
    if status_code == 429:
        response = getattr(exc, "response", None)
        return ProviderRateLimited(
            _("%(provider)s is rate limiting requests; retry later.") % {"provider": label},
            wait=retry_after_seconds(response.headers if response is not None else None),
        )
    if status_code == 408:
        return ProviderTimeout(_("%(provider)s did not answer in time.") % {"provider": label})
    if status_code is not None and 400 <= status_code < 500:
        return ProviderBadRequest(
            _("%(provider)s rejected the request: %(reason)s") % {"provider": label, "reason": _provider_reason(exc)}
        )
    return ProviderUnavailable(
        _("%(provider)s failed (%(status)s).") % {"provider": label, "status": status_code or name}
    )


def _provider_reason(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"][:500]
    return "bad request"
