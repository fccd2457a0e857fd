import pytest
from django.db import connection

from conversations.models import Message
from conversations.search import conversations_search
from conversations.tests.factories import make_conversation

pytestmark = pytest.mark.django_db

CREATED_MS = 1_697_467_200_000


@pytest.fixture
def library(user):
    make_conversation(
        user, "react", title="Learning React", model="gpt-4", createdAt=CREATED_MS, updatedAt=CREATED_MS + 1
    )
    chinese = make_conversation(
        user, "zh", title="周末计划", model="claude-3", createdAt=CREATED_MS + 1000, updatedAt=CREATED_MS + 1002
    )
    Message.objects.filter(conversation=chinese, public_id="zh-m1").update(content="我们来讨论一下 react 的钩子函数")
    Message.objects.filter(conversation=chinese, public_id="zh-m0").update(content="你好，今天天气怎么样？")
    make_conversation(
        user, "misc", title="Misc", model="gpt-4", createdAt=CREATED_MS + 2000, updatedAt=CREATED_MS + 2001
    )


def search(api, query):
    response = api.get(f"/api/search?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_title_matches_come_before_message_matches_case_insensitively(library, user_api):
    body = search(user_api, "query=REACT")

    assert body["query"] == "REACT"
    assert body["count"] == 2
    assert [(r["conversation"]["id"], r["match_type"]) for r in body["results"]] == [
        ("react", "title"),
        ("zh", "message"),
    ]
    assert "matched_message" not in body["results"][0]
    assert body["results"][1]["matched_message"]["id"] == "zh-m1"
    assert body["results"][1]["conversation"]["messageCount"] == 2


def test_chinese_text_matches_titles_and_messages(library, user_api):
    assert [r["conversation"]["id"] for r in search(user_api, "query=周末")["results"]] == ["zh"]
    hit = search(user_api, "query=天气")["results"][0]
    assert (hit["match_type"], hit["matched_message"]["content"]) == ("message", "你好，今天天气怎么样？")


def test_the_first_matching_message_is_reported(user, user_api):
    make_conversation(user, "c", messages=4)

    hit = search(user_api, "query=of c")["results"][0]

    assert hit["matched_message"]["id"] == "c-m0"


def test_filters_by_model_and_creation_dates(library, user_api):
    assert search(user_api, "query=react&model=claude-3")["count"] == 1
    assert search(user_api, f"query=react&date_from={CREATED_MS + 1}")["results"][0]["conversation"]["id"] == "zh"
    assert search(user_api, f"query=react&date_to={CREATED_MS + 1}")["results"][0]["conversation"]["id"] == "react"
    assert search(user_api, "query=nothing-like-this")["count"] == 0


def test_search_never_returns_another_users_conversations(library, other_api):
    assert search(other_api, "query=react") == {"query": "react", "count": 0, "results": []}


def test_search_requires_a_query(user_api):
    response = user_api.get("/api/search")

    assert response.status_code == 422
    assert list(response.json()["error"]["details"]) == ["query"]


def test_search_results_are_capped_by_limit(user, user_api):
    for i in range(5):
        make_conversation(user, f"t{i}", title=f"topic {i}")
        make_conversation(user, f"m{i}", title="other")

    assert search(user_api, "query=topic&limit=3")["count"] == 3
    assert search(user_api, "query=of m&limit=4")["count"] == 4


def test_search_query_count_is_constant(user, user_api, django_assert_num_queries):
    for i in range(4):
        make_conversation(user, f"t{i}", title="needle")
        make_conversation(user, f"m{i}", title="hay", messages=3)
    Message.objects.filter(public_id__endswith="-m2").update(content="a needle here")

    # user, title hits, message hits, conversations, the matched messages, all their messages
    with django_assert_num_queries(6):
        assert search(user_api, "query=needle")["count"] == 8


@pytest.mark.postgres
@pytest.mark.parametrize(("query", "index"), [("react", "message_content_trgm"), ("天气", "message_content_trgm")])
def test_postgres_serves_message_search_from_the_trigram_index(user, query, index):
    make_conversation(user, "c", messages=2)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        queryset = Message.objects.filter(content__icontains=query)
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert index in plan
    assert conversations_search(owner=user, query="of c", limit=10)[0].matched_message.public_id == "c-m0"
