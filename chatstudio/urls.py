from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView, SpectacularSwaggerView

from chatstudio import health, monitoring
from realtime.views import asyncapi_document

api_patterns = [
    path("auth/", include("accounts.urls")),
    path("", include("conversations.urls")),
    path("", include("chat.urls")),
]

urlpatterns = [
    path("", health.root, name="root"),
    path("health", health.health, name="health"),
    path("ready", health.ready, name="ready"),
    path("metrics", monitoring.metrics, name="metrics"),
    path("api/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("api/asyncapi.json", asyncapi_document, name="asyncapi-schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="docs"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="openapi-schema"), name="redoc"),
    path("api/v1/", include((api_patterns, "api"), namespace="api-v1")),
    path("api/", include((api_patterns, "api"), namespace="api")),
    path("admin/", admin.site.urls),
]

handler400 = "chatstudio.exceptions.handler400"
handler403 = "chatstudio.exceptions.handler403"
handler404 = "chatstudio.exceptions.handler404"
handler500 = "chatstudio.exceptions.handler500"
