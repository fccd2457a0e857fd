"""Rate limits on the shared cache (Redis in production), so they hold across processes.

Every request counts against `default` (per user, or per IP when anonymous). Views add a
scope per method in `throttle_scopes` (e.g. `{"GET": "read", "POST": "create"}`); auth views
are limited per IP and, for login, per username as well.
"""

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle


class LiveRates:
    """Rates read when a request arrives (DRF binds them at import), so settings changes apply."""

    @property
    def THROTTLE_RATES(self):  # noqa: N802  (DRF's attribute name)
        return api_settings.DEFAULT_THROTTLE_RATES


class DefaultThrottle(LiveRates, UserRateThrottle):
    scope = "default"


class MethodScopedThrottle(LiveRates, ScopedRateThrottle):
    """The scope the view names for this HTTP method, per user (per IP when anonymous)."""

    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scopes", {}).get(request.method)
        if scope is None:
            return True
        view.throttle_scope = scope
        return super().allow_request(request, view)


class AuthIPThrottle(LiveRates, SimpleRateThrottle):
    """Sign-up, sign-in and refresh attempts per client IP."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(LiveRates, SimpleRateThrottle):
    """Sign-in attempts per username, whichever IPs they come from."""

    scope = "login"

    def get_cache_key(self, request, view):
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if not isinstance(username, str) or not username:
            return None
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}
