"""Request id and process time on every response, and one log line per request."""

import contextvars
import logging
import re
import time
import uuid

import sentry_sdk
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from whitenoise.middleware import WhiteNoiseMiddleware

request_logger = logging.getLogger("chatstudio.request")

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_from(request) -> str:
    """The client's X-Request-ID when it is a sane token, else a fresh one."""
    supplied = request.headers.get("X-Request-ID", "")
    return supplied if _CLIENT_REQUEST_ID.match(supplied) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Tags the request with an id and stamps `X-Request-ID` and `X-Process-Time` on the answer.

    Sync and async capable, so under ASGI it costs no thread hop.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        started, token = self._begin(request)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        return self._finish(request, response, started)

    async def __acall__(self, request):
        started, token = self._begin(request)
        try:
            response = await self.get_response(request)
        finally:
            current_request_id.reset(token)
        return self._finish(request, response, started)

    @staticmethod
    def _begin(request):
        request.request_id = request_id_from(request)
        sentry_sdk.set_tag("request_id", request.request_id)
        return time.perf_counter(), current_request_id.set(request.request_id)

    @staticmethod
    def _finish(request, response, started):
        elapsed = time.perf_counter() - started
        response["X-Request-ID"] = request.request_id
        response["X-Process-Time"] = f"{elapsed:.6f}"
        user = getattr(request, "user", None)
        # The path without its query string: tokens and search terms stay out of the logs.
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request.request_id,
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
        return response


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, async-capable. WhiteNoise's own middleware is sync-only, which turns every
    middleware above it synchronous under ASGI: each request then holds a worker thread for its
    whole life, async views included (a streamed reply would hold one until it ends)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        super().__init__(get_response)
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request):
        static_file = self.find_file(request.path_info) if self.autorefresh else self.files.get(request.path_info)
        if static_file is not None:
            return self.serve(static_file, request)
        return await self.get_response(request)
