import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_root_describes_the_service(client):
    body = client.get("/").json()

    assert body["name"] == "Chat Studio API"
    assert body["status"] == "running"
    assert {"auth", "chat", "conversations", "websocket", "docs"} <= set(body["endpoints"])


def test_health_reports_checks_and_totals(client, user):
    response = client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["checks"] == {"database": "ok", "cache": "ok", "channel_layer": "ok"}
    assert (body["total_users"], body["total_conversations"], body["active_connections"]) == (1, 0, 0)
    assert "timestamp" in body


@pytest.fixture
def unreachable_database():
    """Points the default connection at a database that cannot be reached, then restores it."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-dir/chatstudio.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1", OPTIONS={})
        connection.close_pool() if hasattr(connection, "close_pool") else None
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_health_answers_503_when_the_database_is_unreachable(client, unreachable_database):
    response = client.get("/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"].startswith("error: ")
    assert body["failing"] == ["database"]
    assert "nonexistent" not in response.content.decode() and "PORT" not in response.content.decode()
    assert client.get("/ready").status_code == 503


@pytest.mark.redis
def test_health_answers_503_when_the_cache_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {**settings.CACHES["default"]["OPTIONS"], "SOCKET_CONNECT_TIMEOUT": 0.2},
        }
    }
    caches["default"]  # rebuilt from the overridden settings

    response = client.get("/health")

    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]


def test_ready_once_migrated(client, settings):
    assert client.get("/ready").json() == {"ready": True, "version": settings.VERSION}


@pytest.mark.parametrize("path", ["/docs", "/api/docs", "/redoc"])
def test_docs_pages_are_served(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert b"/api/openapi.json" in response.content


def test_openapi_schema_documents_every_route_with_responses(client):
    schema = json.loads(client.get("/api/openapi.json").content)

    paths = schema["paths"]
    for route in [
        "/api/auth/register",
        "/api/auth/login",
        "/api/conversations",
        "/api/conversations/{conversation_id}",
        "/api/conversations/batch",
        "/api/conversations/paginated",
        "/api/search",
        "/api/stats",
        "/api/conversations/{conversation_id}/messages",
    ]:
        assert route in paths, route
        for operation in paths[route].values():
            assert "200" in operation["responses"] or "201" in operation["responses"], route
    assert "ErrorEnvelope" in schema["components"]["schemas"]


def test_every_response_carries_a_request_id_and_process_time(client):
    response = client.get("/", HTTP_X_REQUEST_ID="trace-123")
    generated = client.get("/api/conversations")

    assert response["X-Request-ID"] == "trace-123"
    assert float(response["X-Process-Time"]) >= 0
    assert len(generated["X-Request-ID"]) == 32
    assert generated.json()["error"]["request_id"] == generated["X-Request-ID"]


def test_an_unsafe_client_request_id_is_replaced(client):
    response = client.get("/", HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert response["X-Request-ID"] != "bad id\nwith newline"


def test_log_lines_of_a_request_carry_its_id(client, caplog, settings):
    settings.ROOT_URLCONF = "chatstudio.tests.urls_failing"
    with caplog.at_level(logging.ERROR):
        client.get("/crash", HTTP_X_REQUEST_ID="trace-log-1")

    assert any(getattr(r, "request_id", None) == "trace-log-1" for r in caplog.records)


def post_raw(api, body: bytes, **extra):
    return api.generic("POST", "/api/conversations", body, content_type="application/json", **extra)


def assert_envelope(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code
    assert body["detail"] == body["error"]["message"]
    assert body["error"]["request_id"] == response["X-Request-ID"]
    return body


def test_malformed_json_answers_400(user_api):
    assert_envelope(post_raw(user_api, b'{"title": '), 400, "parse_error")


def test_deeply_nested_json_answers_400(user_api):
    assert_envelope(post_raw(user_api, b"[" * 100_000 + b"]" * 100_000), 400, "parse_error")
    assert_envelope(post_raw(user_api, b'{"a":' * 40 + b"1" + b"}" * 40), 400, "parse_error")


def test_nul_characters_answer_400_and_store_nothing(user_api):
    body = assert_envelope(post_raw(user_api, b'{"title": "a\\u0000b"}'), 400, "parse_error")

    assert "NUL" in body["detail"]
    assert user_api.get("/api/conversations").json() == []


def test_oversized_body_answers_413(user_api, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1000

    assert_envelope(post_raw(user_api, json.dumps({"title": "x" * 2000}).encode()), 413, "payload_too_large")


def test_unknown_routes_answer_404_with_the_envelope(client):
    assert_envelope(client.get("/api/nothing-here"), 404, "not_found")


def test_unsupported_method_answers_405_with_the_envelope(user_api):
    assert_envelope(user_api.delete("/api/conversations"), 405, "method_not_allowed")


def test_an_unhandled_error_answers_500_without_internals(client, settings):
    settings.ROOT_URLCONF = "chatstudio.tests.urls_failing"

    body = assert_envelope(client.get("/crash"), 500, "internal_error")

    assert "SELECT" not in json.dumps(body)
    assert "Traceback" not in json.dumps(body)


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="chat.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_real_secret_key():
    result = _manage("check", DEBUG="0", ALLOWED_HOSTS="chat.example.com")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
