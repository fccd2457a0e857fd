"""Where a search request's time goes, and its SQL under concurrency, on a kept bench database.

    .venv/bin/python -m bench.search_timing --db chatstudio_bench [--limit 100 --limit 20] [-n 30] [-c 16] WORD...

For each word and limit: the request in-process (Django's test client, no server), split into
`conversations_search` (its SQL and the hits), `conversation_payloads` (one query, the payload
dicts) and JSON rendering; then the SQL of the search alone and of the whole request, replayed
back to back through psycopg on `-c` connections (the database's share, without Django).
"""

import argparse
import statistics
import time

from bench.profile_request import captured_sql, django_setup
from bench.rest import psycopg_ceiling, run_async


def _timed(fn, n: int) -> tuple[float, object]:
    """Median milliseconds of `n` calls, and the last call's result."""
    times, result = [], None
    for _ in range(n):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("words", nargs="+")
    parser.add_argument("--db", default="chatstudio_bench")
    parser.add_argument("--user", default="demo_heavy")
    parser.add_argument("--limit", type=int, action="append")
    parser.add_argument("-n", type=int, default=30, help="in-process repetitions (medians)")
    parser.add_argument("-c", type=int, default=16, help="psycopg replay concurrency")
    parser.add_argument("--replays", type=int, default=400, help="requests replayed through psycopg")
    args = parser.parse_args()
    django_setup(args.db)
    from django.db import connection
    from django.test import Client
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from chatstudio.renderers import render_json
    from conversations.search import conversations_search
    from conversations.serializers import conversation_payloads

    user = User.objects.get(username=args.user)
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"}
    settings = connection.settings_dict
    dsn = f"host={settings['HOST']} port={settings['PORT']} user={settings['USER']} dbname={settings['NAME']}"

    for word in args.words:
        for limit in args.limit or [100]:
            path = f"/api/search?query={word}&limit={limit}"
            request_sql = captured_sql(connection, lambda path=path: client.get(path, **auth))
            search_sql = captured_sql(
                connection, lambda word=word, limit=limit: conversations_search(owner=user, query=word, limit=limit)
            )
            request_ms, response = _timed(lambda path=path: client.get(path, **auth), args.n)
            search_ms, hits = _timed(
                lambda word=word, limit=limit: conversations_search(owner=user, query=word, limit=limit), args.n
            )
            payload_ms, payloads = _timed(lambda hits=hits: conversation_payloads(h.conversation for h in hits), args.n)
            render_ms, _ = _timed(lambda payloads=payloads: render_json({"results": payloads}), args.n)
            print(
                f"{path}: {len(hits)} hits, {len(response.content):,} bytes, {len(request_sql)} queries; "
                f"in-process medians: request {request_ms:.1f} ms = conversations_search {search_ms:.1f} "
                f"+ conversation_payloads {payload_ms:.1f} + JSON {render_ms:.1f} + the rest"
            )
            for label, statements in (("search SQL", search_sql), ("request SQL", request_sql)):
                replay = run_async(
                    psycopg_ceiling(dsn, statements, concurrency=args.c, requests=args.replays, seconds=60)
                ).summary()
                print(
                    f"  {label} ({len(statements)} statements) via psycopg at c={args.c}: "
                    f"p50 {replay['p50_ms']:.1f} p99 {replay['p99_ms']:.1f} ms, {replay['throughput']}/s"
                )


if __name__ == "__main__":
    main()
