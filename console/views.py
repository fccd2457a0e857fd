"""The built-in web console: one server-rendered page; the rest is static JavaScript that talks
to the JSON API and the sockets like any other browser client."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

# Everything the console loads comes from this origin: no inline scripts, styles or handlers.
# `connect-src 'self'` covers the same-origin ws:/wss: sockets in current browsers.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@require_safe
def console(request: HttpRequest) -> HttpResponse:
    response = render(request, "console/index.html")
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["Cache-Control"] = "no-cache"
    return response
