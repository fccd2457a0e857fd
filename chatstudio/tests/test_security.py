import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_PROBE = """
import json
from django.test import Client
response = Client().get("/", secure=True, HTTP_HOST="chat.example.com", HTTP_ORIGIN="https://app.example.com")
plain = Client().get("/", HTTP_HOST="chat.example.com")
print(json.dumps({"secure": {k.lower(): v for k, v in response.headers.items()}, "plain_status": plain.status_code,
                  "plain_location": plain.headers.get("Location")}))
"""


@pytest.fixture(scope="module")
def production_headers():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="chat.example.com",
        CORS_ALLOWED_ORIGINS="https://app.example.com",
        LOG_LEVEL="ERROR",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_and_security_headers(production_headers):
    headers = production_headers["secure"]

    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["access-control-allow-origin"] == "https://app.example.com"


def test_production_redirects_plain_http_to_https(production_headers):
    assert production_headers["plain_status"] == 301
    assert production_headers["plain_location"] == "https://chat.example.com/"


def test_cors_answers_only_allowed_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    allowed = client.options(
        "/api/conversations", HTTP_ORIGIN="https://app.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    foreign = client.options(
        "/api/conversations", HTTP_ORIGIN="https://evil.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "authorization" in allowed["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in foreign


def test_cors_exposes_the_request_id_and_total_count(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    response = client.get("/", HTTP_ORIGIN="https://app.example.com")

    exposed = response["Access-Control-Expose-Headers"]
    assert "X-Request-ID" in exposed and "X-Total-Count" in exposed and "Retry-After" in exposed


def test_session_forms_require_csrf(make_user):
    make_user("operator", is_staff=True)
    strict = Client(enforce_csrf_checks=True)

    response = strict.post("/admin/login/", {"username": "operator", "password": "whatever"})

    assert response.status_code == 403


def test_message_content_is_stored_exactly_as_written(user_api):
    content = "<script>alert('hi')</script> & \"quotes\" 你好"

    user_api.post(
        "/api/conversations",
        {"id": "c1", "title": "<b>bold</b>", "messages": [{"role": "user", "content": content}]},
        format="json",
    )

    body = user_api.get("/api/conversations/c1").json()
    assert body["title"] == "<b>bold</b>"
    assert body["messages"][0]["content"] == content
