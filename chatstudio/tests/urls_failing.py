"""A URLconf with one view that crashes, to see what an unhandled error looks like from outside."""

from django.urls import include, path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny


@api_view(["GET"])
@permission_classes([AllowAny])
def crash(request):
    raise RuntimeError("SELECT secret FROM internals")


urlpatterns = [path("crash", crash), path("", include("chatstudio.urls"))]
