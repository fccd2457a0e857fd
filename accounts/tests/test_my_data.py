import pytest

from conftest import STRONG_PASSWORD
from conversations.models import Conversation, Message
from conversations.tests.factories import make_conversation

pytestmark = pytest.mark.django_db


def test_export_holds_everything_the_user_owns_and_nothing_else(user, other_user, user_api):
    make_conversation(user, "c1", messages=2)
    make_conversation(other_user, "theirs", messages=1)

    response = user_api.get("/api/auth/me/export")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="chatstudio-alice.json"'
    body = response.json()
    assert body["user"]["username"] == "alice"
    assert [c["id"] for c in body["conversations"]] == ["c1"]
    assert [m["content"] for m in body["conversations"][0]["messages"]] == ["message 0 of c1", "message 1 of c1"]


def test_delete_account_needs_the_password(user, user_api):
    response = user_api.delete("/api/auth/me", {"password": "Wrong-pass1!"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_password"
    assert user_api.get("/api/auth/me").status_code == 200


def test_delete_account_removes_it_and_all_its_data(user, other_user, user_api, api):
    make_conversation(user, "c1", messages=2)
    make_conversation(other_user, "c1", messages=1)
    refresh = user_api.tokens["refresh_token"]

    response = user_api.delete("/api/auth/me", {"password": STRONG_PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json() == {"message": "Your account and all its data were deleted."}
    assert list(Conversation.objects.values_list("owner__username", flat=True)) == ["mallory"]
    assert Message.objects.count() == 1
    assert user_api.get("/api/auth/me").status_code == 401
    assert api.post("/api/auth/refresh", {"refresh_token": refresh}, format="json").status_code == 401
