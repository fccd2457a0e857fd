"""`GET /bench/canned`: what any endpoint of ours pays before doing its own work.

Every middleware, bearer authentication (one user query), the `read` throttle (two Redis round
trips), DRF's dispatch and rendering, answering the get-conversation JSON from `BENCH_BODY_FILE`
without touching the conversation tables. No endpoint can beat it on the same server.
"""

import json
import os

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

with open(os.environ["BENCH_BODY_FILE"], "rb") as body:
    CANNED = json.load(body)


class CannedView(APIView):
    throttle_scopes = {"GET": "read"}

    def get(self, request):
        return Response(CANNED)


urlpatterns = [path("bench/canned", CannedView.as_view()), path("", include("chatstudio.urls"))]
