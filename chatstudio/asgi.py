"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Sockets pass the session middleware (for same-origin pages) and then the socket auth middleware
(token from the query or subprotocol, origin checks) before routing.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatstudio.settings")
django_asgi_app = get_asgi_application()

from django.urls import get_resolver  # noqa: E402

# Import every view (and with them the provider SDKs, over a second of imports) at start,
# not inside the first request.
get_resolver().url_patterns  # noqa: B018

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (Django must be set up first)
from channels.sessions import SessionMiddlewareStack  # noqa: E402
from django.conf import settings  # noqa: E402
from sentry_sdk.integrations.asgi import SentryAsgiMiddleware  # noqa: E402

from realtime.middleware import SocketAuthMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

websocket_app = SessionMiddlewareStack(SocketAuthMiddleware(URLRouter(websocket_urlpatterns)))
if settings.SENTRY_DSN:
    # HTTP is covered by Sentry's Django integration; consumers' errors need the ASGI wrapper.
    websocket_app = SentryAsgiMiddleware(websocket_app)

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_app})
