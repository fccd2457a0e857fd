"""REST scenarios, their SQL, and the database ceiling (the same SQL straight through psycopg)."""

import asyncio
import json
import time
from dataclasses import dataclass

from bench.load import HttpConnection, closed_loop, http_worker

ABSENT_WORD = "helicopter"  # checked absent from the seeded text before each run


@dataclass
class RestScenario:
    key: str
    label: str
    method: str
    path: str  # may contain {i} (request number)
    user: str  # "heavy" or "light"
    target_p99_ms: float | None = None
    # `nocache={i}` in a path: a new query string each request, so the per-user cache always misses


def build() -> list[RestScenario]:
    """The REST scenarios; `resolve_path` fills in the conversation ids."""
    items = [
        RestScenario("get_conversation", "get conversation (50 messages)", "GET", "", "light", 15),
        RestScenario("get_conversation_100", "get conversation (100 messages, seeded)", "GET", "", "heavy"),
        RestScenario(
            "list_20",
            "list 20 conversations (cache miss)",
            "GET",
            "/api/conversations?limit=20&nocache={i}",
            "heavy",
            20,
        ),
        RestScenario(
            "list_20_cached", "list 20 conversations (cache hit)", "GET", "/api/conversations?limit=20", "heavy", 20
        ),
        RestScenario(
            "page_200",
            "paginated, page 200 (cache miss)",
            "GET",
            "/api/conversations/paginated?page=200&page_size=20&nocache={i}",
            "heavy",
        ),
        RestScenario(
            "page_200_cached",
            "paginated, page 200 (cache hit)",
            "GET",
            "/api/conversations/paginated?page=200&page_size=20",
            "heavy",
        ),
        RestScenario("search_1pct", "search, word in 1% of messages", "GET", "/api/search?query=zephyr", "heavy", 50),
        RestScenario(
            "search_1pct_100", "search, 1% word, limit=100", "GET", "/api/search?query=zephyr&limit=100", "heavy"
        ),
        RestScenario("search_absent", "search, absent word", "GET", f"/api/search?query={ABSENT_WORD}", "heavy", 50),
    ]
    items[0].path = "/api/conversations/{fifty}"
    items[1].path = "/api/conversations/{heavy}"
    return items


def resolve_path(scenario: RestScenario, i: int, fifty_ids: list[str], heavy_ids: list[str]) -> str:
    path = scenario.path
    if "{fifty}" in path:
        return path.replace("{fifty}", fifty_ids[i % len(fifty_ids)])
    if "{heavy}" in path:
        return path.replace("{heavy}", heavy_ids[(i * 7919) % len(heavy_ids)])
    return path.format(i=i)


async def run_http(
    port, path_for, *, token, concurrency, requests, seconds, method="GET", body_for=None, expect=200, warmup=None
):
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if body_for:
        headers["Content-Type"] = "application/json"
    factory = http_worker(port, method, path_for, headers=headers, body_for=body_for, expect=expect)
    return await closed_loop(
        factory,
        concurrency=concurrency,
        requests=requests,
        seconds=seconds,
        warmup=min(concurrency * 2, requests) if warmup is None else warmup,
    )


async def fetch(port: int, path: str, token: str) -> bytes:
    conn = HttpConnection(port)
    response = await conn.request("GET", path, {"Authorization": f"Bearer {token}"})
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status} {response.body[:300]!r}")
    return response.body


def batch_body(prefix: str, rep: int, count: int, messages: int) -> bytes:
    now = int(time.time() * 1000)
    conversations = []
    for n in range(count):
        conversation = {"id": f"{prefix}_{rep}_{n}", "title": f"Imported conversation {n}", "createdAt": now}
        if messages:
            conversation["messages"] = [
                {"id": f"m{k}", "role": "user" if k % 2 == 0 else "assistant", "content": f"Message {k} of {n}"}
                for k in range(messages)
            ]
        conversations.append(conversation)
    return json.dumps(conversations).encode()


# Database ceiling ------------------------------------------------------------------------------
def capture_sql(path: str, token: str) -> list[str]:
    """The SQL one request to `path` runs, captured in-process with Django's test client."""
    from django.db import connection
    from django.test import Client

    from bench.profile_request import captured_sql

    client = Client(HTTP_HOST="127.0.0.1")
    responses = []
    statements = captured_sql(
        connection, lambda: responses.append(client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}"))
    )
    if responses[0].status_code != 200:
        raise RuntimeError(f"capture {path}: HTTP {responses[0].status_code}")
    return statements


async def psycopg_ceiling(dsn: str, statements: list[str], *, concurrency: int, requests: int, seconds: float):
    """The statements one request runs, back to back on one connection per worker."""
    import psycopg

    conns = [await psycopg.AsyncConnection.connect(dsn, autocommit=True) for _ in range(concurrency)]

    def factory(w: int):
        conn = conns[w]

        async def op(_i: int) -> None:
            async with conn.cursor() as cur:
                for sql in statements:
                    await cur.execute(sql.encode())
                    if cur.description is not None:
                        await cur.fetchall()

        return op

    try:
        return await closed_loop(
            factory, concurrency=concurrency, requests=requests, seconds=seconds, warmup=concurrency
        )
    finally:
        for conn in conns:
            await conn.close()


def explain(dsn: str, sql: str) -> str:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(b"EXPLAIN (ANALYZE, BUFFERS) " + sql.encode()).fetchall()
    return "\n".join(r[0] for r in rows)


def run_async(coro):
    return asyncio.run(coro)
