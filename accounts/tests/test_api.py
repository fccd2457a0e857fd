import threading

import pytest
from django.db import close_old_connections

from accounts.models import User
from conftest import STRONG_PASSWORD, client_for, fresh_client

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "request_id", "details"}


def register(api, username="alice", email="alice@example.com", password=STRONG_PASSWORD):
    return api.post("/api/auth/register", {"username": username, "email": email, "password": password}, format="json")


def assert_token_pair(body: dict) -> None:
    assert set(body) == {"access_token", "token_type", "refresh_token", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert set(body["error"]) == ERROR_KEYS
    assert body["error"]["code"] == code
    assert body["detail"] == body["error"]["message"]
    assert body["error"]["request_id"] == response["X-Request-ID"]
    return body


def test_register_returns_a_working_token_pair(api):
    response = register(api)

    assert response.status_code == 200
    assert_token_pair(response.json())
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
    me = api.get("/api/auth/me").json()
    user = User.objects.get(username="alice")
    assert me == {
        "id": str(user.pk),
        "username": "alice",
        "email": "alice@example.com",
        "created_at": user.date_joined.isoformat().replace("+00:00", "Z"),
    }


def test_register_hashes_the_password_with_argon2(api):
    register(api)

    assert User.objects.get(username="alice").password.startswith("argon2$")


@pytest.mark.parametrize(
    ("username", "email", "code"),
    [
        ("alice", "other@example.com", "username_taken"),
        ("ALICE", "x@example.com", "username_taken"),
        ("bob", "ALICE@example.com", "email_taken"),
    ],
)
def test_register_taken_username_or_email_answers_400(api, username, email, code):
    register(api)

    body = assert_error(register(api, username=username, email=email), 400, code)

    assert User.objects.count() == 1
    assert body["error"]["details"] == {}


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("Sh0rt!", "too short"),
        ("alllowercase1!", "uppercase"),
        ("NoDigitsHere!", "digit"),
        ("NoSymbols123", "symbol"),
        ("12345678", "entirely numeric"),
    ],
)
def test_register_weak_password_answers_422_with_field_details(api, password, fragment):
    body = assert_error(register(api, password=password), 422, "validation_error")

    assert list(body["error"]["details"]) == ["password"]
    assert any(fragment in message for message in body["error"]["details"]["password"])
    assert not User.objects.exists()


def test_register_bad_email_and_missing_fields_answer_422(api):
    body = assert_error(register(api, email="not-an-email"), 422, "validation_error")
    assert list(body["error"]["details"]) == ["email"]

    body = assert_error(api.post("/api/auth/register", {}, format="json"), 422, "validation_error")
    assert set(body["error"]["details"]) == {"username", "email", "password"}


def test_login_returns_tokens(api, user):
    response = api.post("/api/auth/login", {"username": "alice", "password": STRONG_PASSWORD}, format="json")

    assert response.status_code == 200
    assert_token_pair(response.json())


def test_login_has_one_message_for_unknown_user_and_wrong_password(api, user):
    wrong = api.post("/api/auth/login", {"username": "alice", "password": "Wrong-pass1!"}, format="json")
    unknown = api.post("/api/auth/login", {"username": "nobody", "password": "Wrong-pass1!"}, format="json")

    assert_error(wrong, 401, "invalid_credentials")
    assert_error(unknown, 401, "invalid_credentials")
    assert wrong.json()["detail"] == unknown.json()["detail"] == "Incorrect username or password."


def test_login_refuses_a_deactivated_user(api, make_user):
    make_user("carol", is_active=False)

    response = api.post("/api/auth/login", {"username": "carol", "password": STRONG_PASSWORD}, format="json")

    assert_error(response, 401, "invalid_credentials")


def test_me_requires_a_valid_token(api):
    assert_error(api.get("/api/auth/me"), 401, "not_authenticated")

    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_error(api.get("/api/auth/me"), 401, "token_not_valid")


def test_deactivated_user_access_token_stops_working(user):
    client = client_for(user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert_error(client.get("/api/auth/me"), 401, "user_inactive")


def test_refresh_rotates_and_the_old_refresh_token_works_once(api, user):
    first = client_for(user).tokens["refresh_token"]

    rotated = api.post("/api/auth/refresh", {"refresh_token": first}, format="json")
    reused = api.post("/api/auth/refresh", {"refresh_token": first}, format="json")

    assert rotated.status_code == 200
    assert_token_pair(rotated.json())
    assert rotated.json()["refresh_token"] != first
    assert_error(reused, 401, "token_not_valid")
    again = api.post("/api/auth/refresh", {"refresh_token": rotated.json()["refresh_token"]}, format="json")
    assert again.status_code == 200


def test_refresh_refuses_a_deactivated_user(api, user):
    refresh = client_for(user).tokens["refresh_token"]
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert_error(api.post("/api/auth/refresh", {"refresh_token": refresh}, format="json"), 401, "token_not_valid")


def test_refresh_rejects_an_access_token_and_garbage(api, user):
    access = client_for(user).tokens["access_token"]

    assert_error(api.post("/api/auth/refresh", {"refresh_token": access}, format="json"), 401, "token_not_valid")
    assert_error(api.post("/api/auth/refresh", {"refresh_token": "x.y.z"}, format="json"), 401, "token_not_valid")
    assert_error(api.post("/api/auth/refresh", {}, format="json"), 422, "validation_error")


def test_logout_revokes_the_refresh_token(api, user):
    refresh = client_for(user).tokens["refresh_token"]

    response = api.post("/api/auth/logout", {"refresh_token": refresh}, format="json")

    assert response.status_code == 200
    assert response.json() == {"message": "Logged out."}
    assert_error(api.post("/api/auth/refresh", {"refresh_token": refresh}, format="json"), 401, "token_not_valid")


@pytest.mark.django_db(transaction=True)
def test_parallel_refreshes_of_one_token_give_exactly_one_success(user):
    refresh = client_for(user).tokens["refresh_token"]
    statuses = []
    start = threading.Barrier(4)

    def attempt():
        start.wait()
        try:
            response = fresh_client().post("/api/auth/refresh", {"refresh_token": refresh}, format="json")
            statuses.append(response.status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 401, 401, 401]
