import pytest

from conversations import timestamps
from conversations.models import Conversation, Message
from conversations.tests.factories import conversation_data, make_conversation

pytestmark = pytest.mark.django_db

CREATED_MS = 1_697_467_200_000


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_create_with_client_id_and_messages_answers_the_whole_object(user, user_api):
    body = {
        "id": "conv_1",
        "title": "关于React的讨论",
        "messages": [
            {"id": "m1", "content": "你好", "role": "user", "timestamp": CREATED_MS},
            {
                "id": "m2",
                "content": "Hi!",
                "role": "assistant",
                "timestamp": CREATED_MS + 5,
                "model": "gpt-4",
                "tokens": 12,
            },
        ],
        "createdAt": CREATED_MS,
        "updatedAt": CREATED_MS + 10,
        "model": "gpt-4",
        "systemPrompt": "你是一个AI助手",
        "userId": "someone-else",
    }

    response = user_api.post("/api/conversations", body, format="json")

    assert response.status_code == 201
    assert response.json() == {
        "id": "conv_1",
        "title": "关于React的讨论",
        "messages": [
            {"id": "m1", "content": "你好", "role": "user", "timestamp": CREATED_MS},
            {
                "id": "m2",
                "content": "Hi!",
                "role": "assistant",
                "timestamp": CREATED_MS + 5,
                "model": "gpt-4",
                "tokens": 12,
            },
        ],
        "createdAt": CREATED_MS,
        "updatedAt": CREATED_MS + 10,
        "model": "gpt-4",
        "systemPrompt": "你是一个AI助手",
        "userId": str(user.pk),
        "messageCount": 2,
    }
    assert user_api.get("/api/conversations/conv_1").json() == response.json()


def test_create_without_id_generates_one_and_defaults(user_api, settings):
    response = user_api.post("/api/conversations", {}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("conv_")
    assert body["title"] == "New conversation"
    assert body["model"] == settings.DEFAULT_CHAT_MODEL
    assert body["messages"] == []
    assert body["createdAt"] == body["updatedAt"]


def test_two_users_may_own_the_same_conversation_id(user_api, other_api):
    assert user_api.post("/api/conversations", {"id": "conv_1", "title": "mine"}, format="json").status_code == 201
    assert other_api.post("/api/conversations", {"id": "conv_1", "title": "theirs"}, format="json").status_code == 201

    assert user_api.get("/api/conversations/conv_1").json()["title"] == "mine"
    assert other_api.get("/api/conversations/conv_1").json()["title"] == "theirs"


def test_duplicate_id_for_the_same_user_answers_409(user_api):
    user_api.post("/api/conversations", {"id": "conv_1"}, format="json")

    response = user_api.post("/api/conversations", {"id": "conv_1"}, format="json")

    assert response.status_code == 409
    assert error_code(response) == "duplicate_id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "has space"}, "id"),
        ({"id": "batch"}, "id"),
        ({"title": "x" * 201}, "title"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "messages"),
        ({"messages": [{"role": "user"}]}, "messages"),
        ({"createdAt": -1}, "createdAt"),
        ({"messages": "nope"}, "messages"),
    ],
)
def test_invalid_conversation_answers_422_with_field_details(user_api, body, field):
    response = user_api.post("/api/conversations", body, format="json")

    assert response.status_code == 422
    assert error_code(response) == "validation_error"
    assert list(response.json()["error"]["details"]) == [field]
    assert not Conversation.objects.exists()


def test_duplicate_message_ids_in_one_conversation_answer_409(user_api):
    messages = [{"id": "m1", "role": "user", "content": "a"}, {"id": "m1", "role": "user", "content": "b"}]

    response = user_api.post("/api/conversations", {"messages": messages}, format="json")

    assert response.status_code == 409
    assert not Conversation.objects.exists()


def test_list_is_most_recently_updated_first_with_messages(user, user_api, django_assert_num_queries):
    for i in range(3):
        make_conversation(user, f"c{i}", updatedAt=CREATED_MS + i, createdAt=CREATED_MS)

    with django_assert_num_queries(4):  # user, count, conversations, messages
        response = user_api.get("/api/conversations")

    assert response.status_code == 200
    assert response["X-Total-Count"] == "3"
    assert [c["id"] for c in response.json()] == ["c2", "c1", "c0"]
    assert [m["id"] for m in response.json()[0]["messages"]] == ["c2-m0", "c2-m1"]


def test_list_query_count_does_not_grow_with_the_page(user, user_api, django_assert_num_queries):
    for i in range(12):
        make_conversation(user, f"c{i}", messages=3)

    with django_assert_num_queries(4):
        assert len(user_api.get("/api/conversations").json()) == 12


def test_list_pages_with_limit_and_offset(user, user_api):
    for i in range(5):
        make_conversation(user, f"c{i}", updatedAt=CREATED_MS + i, createdAt=CREATED_MS)

    response = user_api.get("/api/conversations?limit=2&offset=1")

    assert [c["id"] for c in response.json()] == ["c3", "c2"]
    assert response["X-Total-Count"] == "5"


def test_list_filters_by_model_dates_and_title(user, user_api):
    make_conversation(user, "old", title="Rust notes", model="gpt-4", createdAt=CREATED_MS)
    make_conversation(user, "new", title="React notes", model="claude-3", createdAt=CREATED_MS + 1000)

    def ids(query):
        return [c["id"] for c in user_api.get(f"/api/conversations?{query}").json()]

    assert ids("model=claude-3") == ["new"]
    assert ids(f"created_after={CREATED_MS + 1}") == ["new"]
    assert ids(f"created_before={CREATED_MS + 1}") == ["old"]
    assert ids("q=rust") == ["old"]
    response = user_api.get("/api/conversations?created_after=yesterday")
    assert response.status_code == 422
    assert list(response.json()["error"]["details"]) == ["created_after"]


def test_list_shows_only_the_callers_conversations(user, other_user, user_api):
    make_conversation(user, "mine")
    make_conversation(other_user, "theirs")

    assert [c["id"] for c in user_api.get("/api/conversations").json()] == ["mine"]


def test_put_replaces_the_message_list(user, user_api):
    make_conversation(user, "c1", messages=3)
    stored_timestamp = Message.objects.get(public_id="c1-m1").timestamp

    response = user_api.put(
        "/api/conversations/c1",
        {
            "title": "Renamed",
            "model": "claude-3",
            "systemPrompt": "Be brief.",
            "messages": [
                {"id": "c1-m1", "role": "assistant", "content": "edited"},
                {"id": "new", "role": "user", "content": "added", "timestamp": CREATED_MS},
            ],
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["model"], body["systemPrompt"], body["messageCount"]) == (
        "Renamed",
        "claude-3",
        "Be brief.",
        2,
    )
    assert body["messages"] == [
        {"id": "c1-m1", "role": "assistant", "content": "edited", "timestamp": timestamps.to_ms(stored_timestamp)},
        {"id": "new", "role": "user", "content": "added", "timestamp": CREATED_MS},
    ]
    assert body["updatedAt"] > body["createdAt"]
    assert set(Message.objects.values_list("public_id", flat=True)) == {"c1-m1", "new"}


def test_put_requires_the_full_object(user, user_api):
    make_conversation(user, "c1")

    response = user_api.put("/api/conversations/c1", {"model": "gpt-4"}, format="json")

    assert response.status_code == 422
    assert set(response.json()["error"]["details"]) == {"title", "messages"}


def test_put_that_fails_validation_changes_nothing(user, user_api):
    make_conversation(user, "c1", messages=2)

    response = user_api.put(
        "/api/conversations/c1",
        {
            "title": "x",
            "messages": [{"id": "a", "role": "user", "content": "ok"}, {"id": "a", "role": "user", "content": "dup"}],
        },
        format="json",
    )

    assert response.status_code == 409
    assert Conversation.objects.get().title == "Chat"
    assert Message.objects.count() == 2


def test_patch_updates_only_the_given_fields(user, user_api):
    make_conversation(user, "c1", messages=2, systemPrompt="keep me")

    response = user_api.patch("/api/conversations/c1", {"title": "Only title"}, format="json")

    assert response.status_code == 200
    assert response.json()["title"] == "Only title"
    assert response.json()["systemPrompt"] == "keep me"
    assert len(response.json()["messages"]) == 2


def test_delete_removes_the_conversation_and_its_messages(user, user_api):
    make_conversation(user, "c1", messages=3)

    response = user_api.delete("/api/conversations/c1")

    assert response.status_code == 200
    assert response.json() == {"message": "Conversation deleted."}
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()
    assert user_api.get("/api/conversations/c1").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/conversations/c1", None),
        ("put", "/api/conversations/c1", {"title": "hijack", "messages": []}),
        ("patch", "/api/conversations/c1", {"title": "hijack"}),
        ("delete", "/api/conversations/c1", None),
        ("get", "/api/conversations/c1/messages", None),
        ("post", "/api/conversations/c1/messages", {"role": "user", "content": "hijack"}),
        ("get", "/api/v1/conversations/c1", None),
    ],
)
def test_another_users_conversation_answers_exactly_like_a_missing_one(user, other_api, method, path, body):
    make_conversation(user, "c1", messages=2)

    theirs = getattr(other_api, method)(path, body, format="json")
    missing = getattr(other_api, method)(path.replace("c1", "nope"), body, format="json")

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"] == {**missing.json()["error"], "request_id": theirs.json()["error"]["request_id"]}
    assert theirs.json()["error"]["code"] == "not_found"
    conversation = Conversation.objects.get()
    assert (conversation.title, conversation.message_count, Message.objects.count()) == ("Chat", 2, 2)


def test_batch_create_is_all_or_nothing(user, user_api):
    body = [conversation_data(f"b{i}") for i in range(3)]

    response = user_api.post("/api/conversations/batch", body, format="json")

    assert response.status_code == 201
    assert response.json()["success"] is True
    assert response.json()["count"] == 3
    assert [c["id"] for c in response.json()["conversations"]] == ["b0", "b1", "b2"]
    assert response.json()["conversations"][0]["messages"][1]["content"] == "message 1 of b0"
    assert Message.objects.count() == 6


def test_batch_create_answers_what_a_read_returns_in_constant_queries(user_api, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for prefix, size in (("small", 3), ("large", 30)):
        body = [conversation_data(f"{prefix}{n}") for n in range(size)]
        body[0]["messages"][0].pop("id")  # generated by the server, answered as stored
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            response = user_api.post("/api/conversations/batch", body, format="json")
        assert response.status_code == 201
        counts.append(len(queries))
        stored = {c["id"]: c for c in user_api.get("/api/conversations").json()}
        assert all(stored[created["id"]] == created for created in response.json()["conversations"])
    assert counts[0] == counts[1]


def test_batch_create_with_one_bad_item_writes_nothing(user_api):
    body = [conversation_data("b0"), conversation_data("b1"), {"id": "b2", "messages": [{"role": "bad"}]}]

    response = user_api.post("/api/conversations/batch", body, format="json")

    assert response.status_code == 422
    assert response.json()["error"]["details"] == {
        "2": {"messages": {"0": {"role": ['"bad" is not a valid choice.'], "content": ["This field is required."]}}}
    }
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


def test_batch_create_with_a_taken_id_writes_nothing(user, user_api):
    make_conversation(user, "b1")

    response = user_api.post(
        "/api/conversations/batch", [conversation_data("b0"), conversation_data("b1")], format="json"
    )

    assert response.status_code == 409
    assert response.json()["detail"] == "A conversation with this id already exists: b1"
    assert list(Conversation.objects.values_list("public_id", flat=True)) == ["b1"]


def test_batch_create_with_duplicate_ids_writes_nothing(user_api):
    response = user_api.post(
        "/api/conversations/batch", [conversation_data("b0"), conversation_data("b0")], format="json"
    )

    assert response.status_code == 409
    assert not Conversation.objects.exists()


def test_batch_create_over_1000_answers_400_and_writes_nothing(user_api):
    response = user_api.post("/api/conversations/batch", [{"title": "t"}] * 1001, format="json")

    assert response.status_code == 400
    assert error_code(response) == "batch_too_large"
    assert not Conversation.objects.exists()


def test_batch_create_of_exactly_1000(user_api):
    response = user_api.post("/api/conversations/batch", [{"title": f"t{i}"} for i in range(1000)], format="json")

    assert response.status_code == 201
    assert response.json()["count"] == 1000
    assert Conversation.objects.count() == 1000


def test_batch_create_needs_an_array(user_api):
    response = user_api.post("/api/conversations/batch", {"id": "x"}, format="json")

    assert response.status_code == 422


@pytest.mark.parametrize("as_object", [False, True])
def test_batch_delete_touches_only_the_callers_rows(user, other_user, user_api, as_object):
    make_conversation(user, "a")
    make_conversation(user, "b")
    make_conversation(other_user, "a")
    make_conversation(other_user, "c")
    ids = ["a", "c", "missing"]

    response = user_api.delete("/api/conversations/batch", {"ids": ids} if as_object else ids, format="json")

    assert response.status_code == 200
    assert response.json() == {"success": True, "deleted_count": 1}
    assert sorted(Conversation.objects.values_list("owner__username", "public_id")) == [
        ("alice", "b"),
        ("mallory", "a"),
        ("mallory", "c"),
    ]


def test_batch_delete_validates_its_body(user_api):
    assert user_api.delete("/api/conversations/batch", {"ids": "a"}, format="json").status_code == 422
    assert user_api.delete("/api/conversations/batch", {"nope": []}, format="json").status_code == 422


def test_paginated_listing_sorts_and_pages(user, user_api, django_assert_num_queries):
    for i, title in enumerate(["b", "d", "a", "c", "e"]):
        make_conversation(user, f"c{i}", title=title, createdAt=CREATED_MS + i)

    with django_assert_num_queries(4):
        response = user_api.get("/api/conversations/paginated?page=2&page_size=2&sort_by=title&sort_order=asc")

    body = response.json()
    assert {k: v for k, v in body.items() if k != "conversations"} == {
        "page": 2,
        "page_size": 2,
        "total": 5,
        "total_pages": 3,
    }
    assert [c["title"] for c in body["conversations"]] == ["c", "d"]
    created_desc = user_api.get("/api/conversations/paginated?sort_by=createdAt").json()
    assert [c["id"] for c in created_desc["conversations"]] == ["c4", "c3", "c2", "c1", "c0"]


def test_paginated_caps_page_size_and_rejects_bad_parameters(user_api):
    assert user_api.get("/api/conversations/paginated?page_size=500").json()["page_size"] == 100
    for query in ["page=0", "sort_by=owner", "sort_order=up", "page=x"]:
        response = user_api.get(f"/api/conversations/paginated?{query}")
        assert response.status_code == 422, query


def test_messages_are_listed_in_order_and_paged(user, user_api):
    make_conversation(user, "c1", messages=5)

    response = user_api.get("/api/conversations/c1/messages?limit=2&offset=1")

    assert response.status_code == 200
    assert [m["id"] for m in response.json()] == ["c1-m1", "c1-m2"]
    assert response["X-Total-Count"] == "5"


def test_append_message_adds_it_last(user, user_api):
    make_conversation(user, "c1", messages=2)

    response = user_api.post(
        "/api/conversations/c1/messages",
        {"id": "m9", "role": "user", "content": "third", "timestamp": CREATED_MS},
        format="json",
    )

    assert response.status_code == 201
    assert response.json() == {"id": "m9", "role": "user", "content": "third", "timestamp": CREATED_MS}
    conversation = user_api.get("/api/conversations/c1").json()
    assert [m["id"] for m in conversation["messages"]] == ["c1-m0", "c1-m1", "m9"]
    assert conversation["messageCount"] == 3
    duplicate = user_api.post(
        "/api/conversations/c1/messages", {"id": "m9", "role": "user", "content": "x"}, format="json"
    )
    assert duplicate.status_code == 409


def test_stats_count_the_callers_data(user, other_user, user_api):
    make_conversation(user, "a", messages=2)
    make_conversation(user, "b", messages=3)
    make_conversation(other_user, "c", messages=7)
    user_api.post(
        "/api/conversations/a/messages",
        {"role": "assistant", "content": "x", "model": "gpt-4", "tokens": 40},
        format="json",
    )

    response = user_api.get("/api/stats")

    assert response.json() == {
        "total_conversations": 2,
        "total_messages": 6,
        "total_tokens": 40,
        "average_messages_per_conversation": 3.0,
        # The chat app adds usage (completions, tokens, cost) per model; none recorded here.
        "by_model": {
            "gpt-4": {
                "messages": 1,
                "tokens": 40,
                "completions": 0,
                "input_tokens": 0,
                "output_tokens": 0,
                "cost": 0.0,
            },
            "unknown": {
                "messages": 5,
                "tokens": 0,
                "completions": 0,
                "input_tokens": 0,
                "output_tokens": 0,
                "cost": 0.0,
            },
        },
        "total_cost": 0.0,
    }


def test_v1_prefix_serves_the_same_views(user, user_api):
    make_conversation(user, "c1")

    assert user_api.get("/api/v1/conversations").json() == user_api.get("/api/conversations").json()


def test_every_route_requires_a_token(api):
    for path in [
        "/api/conversations",
        "/api/conversations/c1",
        "/api/conversations/paginated",
        "/api/search?query=a",
        "/api/stats",
        "/api/conversations/c1/messages",
    ]:
        response = api.get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
