"""Fixtures shared by every app's tests: API clients, users and their tokens, service checks."""

import os
import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts import services as account_services

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
STRONG_PASSWORD = "Corr3ct-Horse!"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("postgres") and not settings.IS_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if item.get_closest_marker("redis") and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs Redis (set REDIS_URL)"))


def pytest_sessionfinish(session, exitstatus):
    """On the service run (REQUIRE_SERVICES=1) a skipped test is a failure, not a pass."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if REQUIRE_SERVICES and skipped:
        reporter.write_line(f"REQUIRE_SERVICES=1 but {len(skipped)} tests skipped: failing the run.", red=True)
        session.exitstatus = 1


@pytest.fixture
def make_user(db):
    def make(username: str | None = None, password: str = STRONG_PASSWORD, **extra):
        username = username or f"user_{uuid.uuid4().hex[:8]}"
        user = account_services.user_register(username=username, email=f"{username}@example.com", password=password)
        for field, value in extra.items():
            setattr(user, field, value)
        if extra:
            user.save(update_fields=list(extra))
        return user

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def other_user(make_user):
    return make_user("mallory")


def fresh_client() -> APIClient:
    """A client with an address of its own, so per-IP limits of one test never touch another."""
    octets = uuid.uuid4().bytes[:3]
    return APIClient(REMOTE_ADDR=f"10.{octets[0]}.{octets[1]}.{octets[2]}")


def client_for(user) -> APIClient:
    client = fresh_client()
    tokens = account_services.tokens_issue(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    client.tokens = tokens
    return client


@pytest.fixture
def api():
    return fresh_client()


@pytest.fixture
def user_api(user):
    return client_for(user)


@pytest.fixture
def other_api(other_user):
    return client_for(other_user)


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    """Local-memory cache state (throttle counters, cached lists) must not leak between tests.
    Redis runs need nothing: each run has its own key prefix and ids are never reused there."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()
    yield


@pytest.fixture(scope="session", autouse=True)
def _close_database_pools(django_db_setup, django_db_blocker):
    """psycopg's pool keeps idle connections to the test database; close them before it is
    dropped, or PostgreSQL refuses to drop a database other sessions still use."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if getattr(connection, "pool", None) is not None:
                connection.close_pool()
