"""The one error vocabulary: every error leaves the server as SPEC's envelope.

`{"error": {"code", "message", "request_id", "details"}, "detail": message}`. Request
validation answers 422 (the browser client was written against that), conflicts 409, rule
violations that are not about one field 400.
"""

import logging

import sentry_sdk
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from chatstudio.middleware import current_request_id

logger = logging.getLogger(__name__)


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("Bad request.")
    default_code = "bad_request"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The resource already exists.")
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


def error_body(*, code: str, message: str, details=None) -> dict:
    return {
        "error": {
            "code": code,
            "message": message,
            "request_id": current_request_id.get(),
            "details": details if details is not None else {},
        },
        "detail": message,
    }


def _first_message(detail) -> str:
    """The first human message in a DRF error structure, prefixed by its field."""
    if isinstance(detail, dict):
        for field, value in detail.items():
            inner = _first_message(value)
            return inner if field == "non_field_errors" else f"{field}: {inner}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def _code_and_message(exc: exceptions.APIException) -> tuple[str, str]:
    detail = exc.detail
    if isinstance(detail, dict) and "detail" in detail:  # simplejwt's {"detail", "code", "messages"}
        return str(detail.get("code", exc.default_code)), str(detail["detail"])
    codes = exc.get_codes()
    return (codes if isinstance(codes, str) else exc.default_code), str(detail)


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: renders every exception a view raises as the envelope."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ValidationError):
        body = error_body(
            code="validation_error",
            message=_first_message(exc.detail),
            details=exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail},
        )
        return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)

    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
        code, message = _code_and_message(exc)
        body = error_body(code=code, message=message)
        return Response(body, status=exc.status_code, headers=headers)

    logger.exception("Unhandled exception in %s", context.get("view").__class__.__name__)
    # Rendered here, so the error never reaches Django's handler that Sentry listens to.
    sentry_sdk.capture_exception(exc)
    return Response(
        error_body(code="internal_error", message=str(_("An internal server error occurred."))),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def json_error_response(*, status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code=code, message=message), status=status_code)


def handler400(request, exception=None):
    return json_error_response(status_code=400, code="bad_request", message=str(_("Bad request.")))


def handler403(request, exception=None):
    return json_error_response(
        status_code=403, code="permission_denied", message=str(_("You do not have permission to perform this action."))
    )


def handler404(request, exception=None):
    return json_error_response(status_code=404, code="not_found", message=str(_("Not found.")))


def handler500(request):
    return json_error_response(
        status_code=500, code="internal_error", message=str(_("An internal server error occurred."))
    )


def json_response_for(exc: exceptions.APIException) -> JsonResponse:
    """The envelope for an error raised outside a DRF view (an async view's own work)."""
    rendered = api_exception_handler(exc, {})
    response = JsonResponse(rendered.data, status=rendered.status_code)
    for header in ("WWW-Authenticate", "Retry-After"):
        if header in rendered:
            response[header] = rendered[header]
    return response
