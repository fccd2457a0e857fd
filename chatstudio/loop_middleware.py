"""Django's stock middleware, with hooks that do no I/O run on the event loop under ASGI.

`MiddlewareMixin` runs every `process_request` and `process_response` in the sync thread when
serving ASGI: two loop-to-thread hops per middleware per request, twenty for our stack (six are left).
py-spy on daphne serving a DRF view that does no work put about a quarter of its CPU in that
machinery (`ThreadPoolExecutor.submit`, the worker, asgiref's context copies). The hooks below
only read the request and set attributes, headers or cookies, so they run in place. Under WSGI
nothing changes. `process_view` and `process_exception` are left to Django (they still hop), and
so are Security, CSRF and X-Frame-Options: `check --deploy` looks for their stock paths.
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.middleware import common, locale
from django_prometheus import middleware as prometheus


class HooksOnTheLoop:
    """For a `MiddlewareMixin` whose `process_request` and `process_response` never block."""

    async def __acall__(self, request):
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class PrometheusBeforeMiddleware(HooksOnTheLoop, prometheus.PrometheusBeforeMiddleware):
    pass


class SessionMiddleware(sessions.SessionMiddleware):
    """Opening a session reads nothing; saving one writes, so only that goes to the thread."""

    async def __acall__(self, request):
        self.process_request(request)
        response = await self.get_response(request)
        if request.session.modified or settings.SESSION_SAVE_EVERY_REQUEST:
            return await sync_to_async(self.process_response, thread_sensitive=True)(request, response)
        return self.process_response(request, response)


class LocaleMiddleware(HooksOnTheLoop, locale.LocaleMiddleware):
    pass


class CommonMiddleware(HooksOnTheLoop, common.CommonMiddleware):
    pass


class AuthenticationMiddleware(HooksOnTheLoop, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(HooksOnTheLoop, messages.MessageMiddleware):
    pass


class PrometheusAfterMiddleware(HooksOnTheLoop, prometheus.PrometheusAfterMiddleware):
    pass
