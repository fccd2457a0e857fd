"""Error reporting (Sentry) and the Prometheus scrape endpoint."""

import ipaddress
import secrets

import sentry_sdk
from django.conf import settings
from django_prometheus.exports import ExportToDjangoView
from sentry_sdk.integrations.django import DjangoIntegration

from chatstudio.exceptions import json_error_response


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    """Reports errors without personal data: no cookies, headers with credentials or request bodies
    (message contents, passwords, keys) leave the server."""
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "stack_frame_variables": False,
            "gen_ai": {"inputs": False, "outputs": False},
        },
    )


def _client_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        supplied = request.headers.get("Authorization", "")
        if secrets.compare_digest(supplied.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(allowed) for allowed in settings.METRICS_ALLOWED_IPS)


def metrics(request):
    """Prometheus text format, for the allow-listed addresses or the bearer token only."""
    if not _client_allowed(request):
        return json_error_response(status_code=403, code="permission_denied", message="Metrics are not public.")
    return ExportToDjangoView(request)
