import gzip
import io
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from chatstudio.logs import JsonFormatter, RequestContextFilter
from chatstudio.monitoring import init_sentry
from conftest import STRONG_PASSWORD, fresh_client

pytestmark = pytest.mark.django_db


def test_metrics_are_served_to_allowed_addresses(client, user_api):
    user_api.get("/api/conversations")
    user_api.get("/api/conversations")

    response = client.get("/metrics")

    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    assert 'chatstudio_cache_lookups_total{result="hit",view="list"}' in text


def test_metrics_are_refused_elsewhere_unless_the_token_is_sent(settings):
    settings.METRICS_TOKEN = "scrape-secret"
    outsider = fresh_client()

    refused = outsider.get("/metrics")
    wrong = outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    allowed = outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")

    assert refused.status_code == wrong.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert allowed.status_code == 200


@pytest.fixture
def json_log():
    """Everything logged during the test, formatted as production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_each_request_logs_one_json_line_with_its_context(user, user_api, json_log):
    user_api.get("/api/conversations?q=secret-search", HTTP_X_REQUEST_ID="trace-json-1")

    lines = [line for line in json_log() if line["logger"] == "chatstudio.request"]

    assert len(lines) == 1
    line = lines[0]
    assert {k: line[k] for k in ("level", "request_id", "user_id", "method", "path", "status")} == {
        "level": "INFO",
        "request_id": "trace-json-1",
        "user_id": user.pk,
        "method": "GET",
        "path": "/api/conversations",
        "status": 200,
    }
    assert line["duration_ms"] >= 0
    assert "time" in line


def test_passwords_and_tokens_never_reach_the_logs(user, json_log, settings):
    settings.ROOT_URLCONF = "chatstudio.tests.urls_failing"
    client = fresh_client()
    tokens = client.post("/api/auth/login", {"username": "alice", "password": STRONG_PASSWORD}, format="json").json()
    client.post("/api/auth/login", {"username": "alice", "password": "Wrong-Secret-9!"}, format="json")
    client.post("/api/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json")
    client.get("/crash", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")

    logged = json.dumps(json_log())

    assert "chatstudio.request" in logged and "RuntimeError" in logged
    for secret in (STRONG_PASSWORD, "Wrong-Secret-9!", tokens["access_token"], tokens["refresh_token"]):
        assert secret not in logged


class FakeSentry(BaseHTTPRequestHandler):
    envelopes: list[bytes] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        FakeSentry.envelopes.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_sentry():
    FakeSentry.envelopes = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    init_sentry(
        dsn=f"http://public@127.0.0.1:{server.server_port}/1", environment="test", release="t", traces_sample_rate=0
    )
    yield FakeSentry.envelopes
    sentry_sdk.init(dsn=None)
    server.shutdown()


def test_sentry_gets_the_error_with_the_request_id_and_without_the_body(settings, fake_sentry):
    settings.ROOT_URLCONF = "chatstudio.tests.urls_failing"

    fresh_client().generic(
        "GET",
        "/crash",
        '{"content": "private message text"}',
        content_type="application/json",
        HTTP_X_REQUEST_ID="trace-sentry-1",
        HTTP_AUTHORIZATION="Bearer some-access-token",
    )
    sentry_sdk.flush(timeout=5)

    sent = b"".join(fake_sentry).decode()
    assert "RuntimeError" in sent
    assert "trace-sentry-1" in sent
    assert "private message text" not in sent
    assert "some-access-token" not in sent
