"""Socket authentication and origin checks, ahead of routing.

The token comes from `?token=` or the subprotocol pair `["bearer", <token>]`; a socket with
neither may still send `{type: "auth", token}` first (the consumer waits for it), or, from an
allowed browser origin, use the Django session. The outcome goes into `scope["socket_auth"]`;
consumers accept and then close with 4401/4403, because a close before accepting reaches a
browser as a bare handshake failure with no code.
"""

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlparse

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User

BEARER = "bearer"


@dataclass
class SocketAuth:
    user: object = None  # the authenticated User, or None
    method: str | None = None  # "token", "session" or None
    error: int | None = None  # close code to answer with, when known at the handshake
    origin: str | None = None  # the Origin header, when the client sent one
    subprotocol: str | None = None  # "bearer" when the client offered it (we must echo it)


def user_for_token_sync(raw: str):
    """The active user an access token names, or None (bad, expired, or deactivated)."""
    try:
        token = AccessToken(raw)
    except TokenError:
        return None
    user_id = token.get(settings.SIMPLE_JWT.get("USER_ID_CLAIM", "user_id"))
    return User.objects.filter(pk=user_id, is_active=True).first() if user_id is not None else None


user_for_token = database_sync_to_async(user_for_token_sync)


class _Origins(OriginValidator):
    def __init__(self, patterns):
        super().__init__(application=None, allowed_origins=patterns)


def origin_allowed(origin: str) -> bool:
    """An Origin from one of our own hosts (ALLOWED_HOSTS) or an allowed cross-site client
    (CORS_ALLOWED_ORIGINS)."""
    parsed = urlparse(origin)
    if origin in settings.CORS_ALLOWED_ORIGINS:
        return True
    return _Origins(settings.ALLOWED_HOSTS).validate_origin(parsed)


def same_site_origin(origin: str) -> bool:
    return _Origins(settings.ALLOWED_HOSTS).validate_origin(urlparse(origin))


def _pop_token(query_string: bytes) -> tuple[str | None, bytes]:
    """The `token` parameter, and the query string without it (so nothing downstream sees it)."""
    pairs = parse_qsl(query_string.decode("latin1"), keep_blank_values=True)
    token = next((value for key, value in pairs if key == "token"), None)
    rest = [(key, value) for key, value in pairs if key != "token"]
    return token, urlencode(rest).encode("latin1")


def _subprotocol_token(offered: list[str]) -> str | None:
    if BEARER in offered:
        index = offered.index(BEARER)
        if index + 1 < len(offered):
            return offered[index + 1]
    return None


class SocketAuthMiddleware(BaseMiddleware):
    """Fills `scope["socket_auth"]` and `scope["user"]`. Needs the session middleware outside."""

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        auth = SocketAuth()
        headers = dict(scope.get("headers") or [])
        if b"origin" in headers:
            auth.origin = headers[b"origin"].decode("latin1")
        token, scope["query_string"] = _pop_token(scope.get("query_string", b""))
        offered = list(scope.get("subprotocols") or [])
        if BEARER in offered:
            auth.subprotocol = BEARER
            token = token or _subprotocol_token(offered)
            # The token is a credential: keep it out of the scope like the query one.
            scope["subprotocols"] = [p for p in offered if p == BEARER]

        if auth.origin is not None and not origin_allowed(auth.origin):
            auth.error = 4403
        elif token:
            auth.user = await user_for_token(token)
            auth.method = "token" if auth.user else None
            auth.error = None if auth.user else 4401
        elif auth.origin is not None and same_site_origin(auth.origin) and "session" in scope:
            user = await get_user(scope)
            if user.is_authenticated and user.is_active:
                auth.user, auth.method = user, "session"
        scope["socket_auth"] = auth
        scope["user"] = auth.user or AnonymousUser()
        return await super().__call__(scope, receive, send)
