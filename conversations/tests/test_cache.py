"""Cached reads stay fresh after every write path; the same tests run on Redis in CI."""

import pytest

from conversations import services
from conversations.models import Conversation
from conversations.tests.factories import conversation_data, make_conversation

pytestmark = pytest.mark.django_db


def list_titles(api) -> list[str]:
    return [c["title"] for c in api.get("/api/conversations").json()]


def test_a_repeated_listing_is_served_from_the_cache(user, user_api, django_assert_num_queries):
    make_conversation(user, "c1", messages=3)
    first = user_api.get("/api/conversations").json()

    with django_assert_num_queries(1):  # the token's user only
        assert user_api.get("/api/conversations").json() == first
    stats = user_api.get("/api/stats").json()
    with django_assert_num_queries(2):
        assert user_api.get("/api/stats").json() == stats
        assert user_api.get("/api/stats").json() == stats


def test_cache_is_per_user_and_per_query(user, other_user, user_api, other_api):
    make_conversation(user, "c1", title="mine", model="gpt-4")
    make_conversation(other_user, "c1", title="theirs")

    assert list_titles(user_api) == ["mine"]
    assert list_titles(other_api) == ["theirs"]
    assert user_api.get("/api/conversations?model=claude").json() == []


@pytest.mark.parametrize(
    "write",
    [
        lambda api: api.post("/api/conversations", {"id": "c2", "title": "added"}, format="json"),
        lambda api: api.put("/api/conversations/c1", {"title": "added", "messages": []}, format="json"),
        lambda api: api.patch("/api/conversations/c1", {"title": "added"}, format="json"),
        lambda api: api.post("/api/conversations/batch", [conversation_data("c2", title="added")], format="json"),
    ],
    ids=["create", "put", "patch", "batch-create"],
)
def test_listing_reflects_the_callers_own_write_at_once(user, user_api, write, django_capture_on_commit_callbacks):
    make_conversation(user, "c1", title="before")
    assert list_titles(user_api) == ["before"]
    stats_before = user_api.get("/api/stats").json()["total_conversations"]

    with django_capture_on_commit_callbacks(execute=True):
        assert write(user_api).status_code in (200, 201)

    assert "added" in list_titles(user_api)
    assert user_api.get("/api/conversations/paginated").json()["conversations"][0]["title"] == "added"
    assert user_api.get("/api/stats").json()["total_conversations"] >= stats_before


@pytest.mark.parametrize(
    "delete",
    [
        lambda api: api.delete("/api/conversations/c1"),
        lambda api: api.delete("/api/conversations/batch", ["c1"], format="json"),
    ],
    ids=["delete", "batch-delete"],
)
def test_listing_and_stats_reflect_deletes(user, user_api, delete, django_capture_on_commit_callbacks):
    make_conversation(user, "c1")
    assert len(list_titles(user_api)) == 1
    assert user_api.get("/api/stats").json()["total_conversations"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        delete(user_api)

    assert list_titles(user_api) == []
    assert user_api.get("/api/stats").json()["total_conversations"] == 0


def test_appending_a_message_refreshes_listing_and_stats(user, user_api, django_capture_on_commit_callbacks):
    make_conversation(user, "c1", messages=1)
    assert user_api.get("/api/stats").json()["total_messages"] == 1
    list_titles(user_api)

    with django_capture_on_commit_callbacks(execute=True):
        user_api.post("/api/conversations/c1/messages", {"role": "user", "content": "more"}, format="json")

    assert user_api.get("/api/stats").json()["total_messages"] == 2
    assert user_api.get("/api/conversations").json()[0]["messageCount"] == 2


def test_service_writes_outside_http_refresh_the_cache(user, user_api, django_capture_on_commit_callbacks):
    make_conversation(user, "c1", title="before")
    assert list_titles(user_api) == ["before"]

    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_update(conversation=Conversation.objects.get(), data={"title": "from a socket"})

    assert list_titles(user_api) == ["from a socket"]


def test_admin_edits_refresh_the_cache(user, user_api, client, make_user, django_capture_on_commit_callbacks):
    conversation = make_conversation(user, "c1", title="before", messages=0)
    assert list_titles(user_api) == ["before"]
    client.force_login(make_user("operator", is_staff=True, is_superuser=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/conversations/conversation/{conversation.pk}/change/",
            {
                "owner": user.pk,
                "public_id": "c1",
                "title": "edited by operator",
                "model": "gpt-4",
                "system_prompt": "",
                "created_at_0": "2024-01-01",
                "created_at_1": "00:00:00",
                "updated_at_0": "2024-01-01",
                "updated_at_1": "00:00:00",
                "messages-TOTAL_FORMS": "0",
                "messages-INITIAL_FORMS": "0",
            },
        )

    assert response.status_code == 302, response.content
    assert list_titles(user_api) == ["edited by operator"]
