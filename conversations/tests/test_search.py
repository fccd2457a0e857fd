import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations import search as search_module
from conversations import services
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


def test_search_answers_20_results_unless_asked_for_more_up_to_100(user, user_api):
    services.conversations_batch_create(
        owner=user, conversations=[{"id": f"c{i}", "title": f"topic {i}"} for i in range(105)]
    )

    assert search(user_api, "query=topic")["count"] == 20
    assert search(user_api, "query=topic&limit=30")["count"] == 30
    assert search(user_api, "query=topic&limit=500")["count"] == 100


def test_search_query_count_is_constant(user, user_api, django_assert_num_queries):
    for i in range(4):
        make_conversation(user, f"t{i}", title="needle")
        make_conversation(user, f"m{i}", title="hay", messages=3)
    Message.objects.filter(public_id__endswith="-m2").update(content="a needle here")

    # user, title hits, message hits, conversations, the matched messages, all their messages
    with django_assert_num_queries(6):
        assert search(user_api, "query=needle")["count"] == 8


# How message hits are found (conversations/search.py): from every match when the probe sees
# few, by walking the recent conversations when it sees many, and from every match again when
# that walk finds too few. The results must not depend on the way; the probe and the walk window
# are shrunk so each way runs on a few rows. Queries: user, titles, probe, [walk], [every match],
# [conversations], the matched messages, the hits' messages.
STRATEGIES = {
    "every match": ({}, 6),
    "walk": ({"PROBE_MATCHES": 1}, 6),
    "walk, then every match": ({"PROBE_MATCHES": 1, "WALK_WINDOW": 1}, 8),
}


@pytest.fixture(params=list(STRATEGIES))
def strategy(request, monkeypatch):
    constants, queries = STRATEGIES[request.param]
    for name, value in constants.items():
        monkeypatch.setattr(search_module, name, value)
    return request.param, queries


@pytest.fixture
def needles(user):
    """Newest first: a title hit, then conversations whose first match is m1, none, m0, m2."""

    def make(conversation_id, updated, title="Chat", matches=()):
        make_conversation(user, conversation_id, title=title, messages=3, createdAt=CREATED_MS, updatedAt=updated)
        for position, content in matches:
            Message.objects.filter(public_id=f"{conversation_id}-m{position}").update(content=content)

    make("t", CREATED_MS + 6, title="Needle notes", matches=[(0, "needle")])
    make("a", CREATED_MS + 5, matches=[(0, "今天天气很好"), (1, "a NEEDLE here"), (2, "needle again")])
    make("none", CREATED_MS + 4)
    make("b", CREATED_MS + 3, matches=[(0, "Needles"), (2, "needle")])
    make("c", CREATED_MS + 2, matches=[(2, "haystack, needle")])


def summary(body):
    return [(r["conversation"]["id"], r["match_type"], r.get("matched_message", {}).get("id")) for r in body["results"]]


@pytest.mark.parametrize("limit", [3, 100])
def test_every_way_of_finding_message_hits_gives_the_same_results(
    needles, user_api, strategy, limit, django_assert_num_queries
):
    _, queries = strategy
    # limit 3: the walk finds both hits it needs among the 4 most recent conversations
    # (the fallback strategy's window of 2 holds only one); limit 100: never enough, every match.
    if strategy[0] == "walk" and limit == 100:
        queries = STRATEGIES["walk, then every match"][1]

    with django_assert_num_queries(queries):
        body = search(user_api, f"query=needle&limit={limit}")

    assert (
        summary(body)
        == [("t", "title", None), ("a", "message", "a-m1"), ("b", "message", "b-m0"), ("c", "message", "c-m2")][:limit]
    )
    assert body["results"][1]["matched_message"]["content"] == "a NEEDLE here"
    assert [m["id"] for m in body["results"][1]["conversation"]["messages"]] == ["a-m0", "a-m1", "a-m2"]


def test_every_way_finds_chinese_text(needles, user_api, strategy):
    assert summary(search(user_api, "query=天气&limit=1")) == [("a", "message", "a-m0")]


def test_every_way_finds_nothing_for_an_absent_word(needles, user_api, strategy, django_assert_num_queries):
    with django_assert_num_queries(3):  # user, titles, probe
        assert search(user_api, "query=helicopter")["count"] == 0


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


@pytest.mark.postgres
def test_postgres_walks_frequent_terms_along_the_message_order_index(needles, user, monkeypatch):
    monkeypatch.setattr(search_module, "PROBE_MATCHES", 1)
    with CaptureQueriesContext(connection) as queries:
        hits = conversations_search(owner=user, query="needle", limit=3)
    assert [hit.matched_message.public_id for hit in hits[1:]] == ["a-m1", "b-m0"]
    [walk] = [q["sql"] for q in queries.captured_queries if "STRPOS" in q["sql"]]

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {walk}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "message_conversation_order" in plan
    assert "message_content_trgm" not in plan
