import pytest

from conftest import STRONG_PASSWORD, fresh_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(**overrides):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **overrides},
        }

    return set_rates


def assert_throttled(response):
    assert response.status_code == 429, response.content
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "throttled"
    assert response.json()["error"]["request_id"] == response["X-Request-ID"]


def test_reads_are_limited_per_user_with_retry_after(user_api, other_api, rates):
    rates(read="3/min")

    statuses = [user_api.get("/api/conversations").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert_throttled(user_api.get("/api/conversations"))
    assert other_api.get("/api/conversations").status_code == 200


def test_creates_have_their_own_budget(user_api, rates):
    rates(create="2/min", read="100/min")

    assert [user_api.post("/api/conversations", {}, format="json").status_code for _ in range(2)] == [201, 201]
    assert_throttled(user_api.post("/api/conversations", {}, format="json"))
    assert user_api.get("/api/conversations").status_code == 200


def test_every_request_counts_against_the_default_limit(user_api, rates):
    rates(default="2/min", read="100/min")

    user_api.get("/api/stats")
    user_api.get("/api/conversations")

    assert_throttled(user_api.get("/api/auth/me"))


def test_login_attempts_are_limited_per_username_across_ips(make_user, rates):
    rates(login="2/min")
    target = make_user()
    attempt = {"username": target.username, "password": "Wrong-pass1!"}

    assert [fresh_client().post("/api/auth/login", attempt, format="json").status_code for _ in range(2)] == [401, 401]

    assert_throttled(fresh_client().post("/api/auth/login", {**attempt, "password": STRONG_PASSWORD}, format="json"))
    other = fresh_client().post("/api/auth/login", {"username": make_user().username, "password": "x"}, format="json")
    assert other.status_code == 401


def test_auth_endpoints_are_limited_per_ip(api, rates):
    rates(auth="2/min")

    for _ in range(2):
        api.post("/api/auth/login", {"username": "nobody", "password": "x"}, format="json")

    assert_throttled(api.post("/api/auth/register", {}, format="json"))
    assert fresh_client().post("/api/auth/register", {}, format="json").status_code == 422
