"""Profile one request in-process (Django's test client, no server): where the time goes.

    .venv/bin/python -m bench.profile_request --db chatstudio_bench [--user demo_heavy] [-n 50] PATH

Uses a database the harness kept (`make bench BENCH_ARGS=--keep-db`); no Redis unless
`REDIS_URL` is set (then the cache and throttles are real). Prints cProfile's top functions by
cumulative and by own time, and the SQL of one request.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time

from bench.procs import ROOT


def django_setup(db: str) -> None:
    """Django as production runs it (DEBUG off, throttles lifted), on the kept database `db`."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="chatstudio.settings",
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "p" * 64),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db}",
        LOG_LEVEL="WARNING",
        **{f"THROTTLE_{s}": "10000000/min" for s in ("DEFAULT", "READ", "CREATE")},
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def captured_sql(connection, call) -> list[str]:
    """The statements `call()` runs, parameters inlined. (Django's CaptureQueriesContext around a
    test-client request sees none: `request_started` resets the query log.)"""
    statements: list[str] = []

    def capture(execute, sql, params, many, context):
        statements.append(connection.ops.compose_sql(sql, params) if params else sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        call()
    return statements


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--db", default="chatstudio_bench")
    parser.add_argument("--user", default="demo_heavy")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    django_setup(args.db)
    from django.db import connection
    from django.test import Client
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User

    token = str(AccessToken.for_user(User.objects.get(username=args.user)))
    client = Client()

    def once():
        response = client.generic(args.method, args.path, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code < 400, (response.status_code, response.content[:300])
        return response

    once()
    statements = captured_sql(connection, once)
    body = once().content
    started = time.perf_counter()
    for _ in range(args.n):
        once()
    per = (time.perf_counter() - started) / args.n
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.n):
        once()
    profile.disable()
    print(f"{args.path}: {per * 1000:.2f} ms per request in-process, {len(body):,} bytes, {len(statements)} queries")
    for sql in statements:
        print(f"  {sql[:300]}")
    stats = pstats.Stats(profile).strip_dirs()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
