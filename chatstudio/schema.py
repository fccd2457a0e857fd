"""OpenAPI pieces shared by the apps' views: the error envelope as a documented response."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorEnvelope = inline_serializer(
    name="ErrorEnvelope",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "request_id": serializers.CharField(),
                "details": serializers.DictField(),
            },
        ),
        "detail": serializers.CharField(),
    },
)


MessageResponse = inline_serializer(name="MessageResponse", fields={"message": serializers.CharField()})


def exclude_v1_aliases(endpoints, **kwargs):
    """`/api/v1/...` serves the same views as `/api/...`; the schema lists each operation once."""
    return [endpoint for endpoint in endpoints if not endpoint[0].startswith("/api/v1/")]


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorEnvelope, description=description)


ERROR_RESPONSES = {
    422: error_response("Validation error; `details` lists the field errors."),
    429: error_response("Rate limited; see Retry-After."),
}
AUTHENTICATED_ERROR_RESPONSES = {401: error_response("Missing or invalid access token."), **ERROR_RESPONSES}
