"""Timeout, retry, redirect and TLS settings shared by every SDK client."""

import ssl
from functools import cache

import httpx2
from django.conf import settings


def sdk_timeout() -> httpx2.Timeout:
    return httpx2.Timeout(settings.CHAT_PROVIDER_TIMEOUT, connect=settings.CHAT_PROVIDER_CONNECT_TIMEOUT)


@cache
def tls_context() -> ssl.SSLContext:
    """The CA bundle, loaded once per process: httpx loads it again for every client it builds
    (tens of milliseconds of CPU on the event loop, for each reply), and a context can be shared."""
    return httpx2.create_ssl_context()


def sdk_client_options(http_client_class) -> dict:
    """Keyword arguments for AsyncOpenAI/AsyncAnthropic: explicit timeout, retries and redirects.

    The SDK's own default client follows redirects; ours follows them only when configured, so
    a misconfigured base URL cannot bounce the API key to another host.
    """
    timeout = sdk_timeout()
    return {
        "timeout": timeout,
        "max_retries": settings.CHAT_PROVIDER_MAX_RETRIES,
        "http_client": http_client_class(
            timeout=timeout, follow_redirects=settings.CHAT_PROVIDER_FOLLOW_REDIRECTS, verify=tls_context()
        ),
    }
