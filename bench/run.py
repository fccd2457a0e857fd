"""`python -m bench [--scale full|smoke]`: seed, serve as production would, drive, report.

Everything a run creates is its own: a PostgreSQL database (`chatstudio_bench` or
`chatstudio_bench_smoke`, dropped at the end unless `--keep-db`), a Redis key prefix in Redis DB
`BENCH_REDIS_DB` (12; only keys under that prefix are deleted), servers on free ports of
127.0.0.1, a scratch directory for their logs.
"""

import argparse
import asyncio
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench import procs, report, rest, sockets, streams, topology
from bench.procs import ROOT, PeakRss

SCALES = {
    "full": {
        "heavy_conversations": 10_000,
        "users": 1_000,
        "messages_per_conversation": 100,
        "concurrency": 16,
        "requests": 4_000,
        "seconds": 10.0,
        "c1_requests": 300,
        "batch_reps": 8,
        "ceiling_requests": 4_000,
        "ping_clients": 200,
        "ping_seconds": 8.0,
        "room_members": 100,
        "room_messages": 1_000,
        "room_rate": 20.0,
        "fanout_messages": 200,
        "private_messages": 100,
        "idle_sockets": 10_000,
        "idle_hold": 12.0,
        "ttfc_requests": 100,
        "paced_streams": 50,
        "paced_chunks": 100,
    },
    "smoke": {
        "heavy_conversations": 30,
        "users": 12,
        "messages_per_conversation": 100,
        "concurrency": 4,
        "requests": 40,
        "seconds": 2.0,
        "c1_requests": 10,
        "batch_reps": 1,
        "ceiling_requests": 40,
        "ping_clients": 5,
        "ping_seconds": 0.5,
        "room_members": 5,
        "room_messages": 10,
        "room_rate": 20.0,
        "fanout_messages": 10,
        "private_messages": 5,
        "idle_sockets": 20,
        "idle_hold": 1.0,
        "ttfc_requests": 5,
        "paced_streams": 3,
        "paced_chunks": 10,
    },
}
GROUPS = ("rest", "topology", "chat", "sockets", "idle")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Bench:
    def __init__(self, args):
        self.args = args
        self.scale = {**SCALES[args.scale], **dict(args.set or [])}
        self.db_name = args.db or f"chatstudio_bench{'' if args.scale == 'full' else '_' + args.scale}"
        self.pg = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
        self.dsn = f"{self.pg}/{self.db_name}"
        self.redis_url = f"redis://127.0.0.1:6379/{os.environ.get('BENCH_REDIS_DB', '12')}"
        self.prefix = f"chatstudio-bench-{uuid.uuid4().hex[:8]}"
        self.work = Path(tempfile.mkdtemp(prefix="chatstudio-bench-"))
        self.rows: list[dict] = []
        self.details: dict = {}
        self.servers: list[procs.Server] = []
        self.env = self._server_env()
        self.canned_env: dict = {}  # the framework ceiling's settings, once the rest group wrote its body

    # Setup -------------------------------------------------------------------------------------
    def _server_env(self) -> dict:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "DJANGO_"))}
        high = "10000000/min"  # the throttles still run (two Redis round trips each), they just never refuse
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "chatstudio.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": self.dsn,
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": self.prefix,
            "ACCESS_TOKEN_MINUTES": "600",
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
            **{f"THROTTLE_{s}": high for s in ("DEFAULT", "READ", "CREATE", "CHAT", "AUTH", "LOGIN")},
            # One client here is many users: lift the per-socket frame limit (it is still computed).
            "REALTIME_FRAME_RATE": "1000000",
            "REALTIME_FRAME_BURST": "1000000",
        }

    def manage(self, *args: str) -> None:
        with open(self.work / "manage.log", "ab") as out:
            subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, stdout=out, stderr=out
            )

    def database(self) -> None:
        import psycopg

        marker = "seeded:" + json.dumps(
            {k: self.scale[k] for k in ("heavy_conversations", "users", "messages_per_conversation")}, sort_keys=True
        )
        with psycopg.connect(f"{self.pg}/postgres", autocommit=True) as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [self.db_name]
            ).fetchone()
            reuse = self.args.keep_db and row is not None and row[0] == marker
            if not reuse:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.db_name}"')
        log(f"database {self.db_name}: {'reusing the seeded data' if reuse else 'created'}")
        self.manage("migrate", "--noinput", "-v", "0")
        if not reuse:
            started = time.perf_counter()
            s = self.scale
            self.manage(
                "seed_demo", "--heavy-user", "--heavy-conversations", str(s["heavy_conversations"]),
                "--users", str(s["users"]), "--conversations", "1",
                "--messages-per-conversation", str(s["messages_per_conversation"]),
            )  # fmt: skip
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
            with psycopg.connect(f"{self.pg}/postgres", autocommit=True) as conn:
                conn.execute(f"COMMENT ON DATABASE \"{self.db_name}\" IS '{marker}'")
            self.details["seed_seconds"] = round(time.perf_counter() - started, 1)
            log(f"seeded in {self.details['seed_seconds']} s")

    def django(self) -> None:
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from rest_framework_simplejwt.tokens import AccessToken

        from accounts.models import User
        from conversations.models import Conversation, Message

        heavy = User.objects.get(username="demo_heavy")
        lights = list(User.objects.filter(username__startswith="demo_user_").order_by("username"))
        self.heavy = (heavy.pk, str(AccessToken.for_user(heavy)))
        self.lights = [(u.pk, str(AccessToken.for_user(u))) for u in lights]
        self.heavy_ids = list(
            Conversation.objects.filter(owner=heavy).order_by("pk").values_list("public_id", flat=True)[:5000]
        )
        messages = Message.objects.filter(conversation__owner=heavy)
        self.details["data"] = {
            "messages": Message.objects.count(),
            "heavy_user_messages": messages.count(),
            "heavy_user_conversations": Conversation.objects.filter(owner=heavy).count(),
            "zephyr_messages_heavy": messages.filter(content__icontains="zephyr").count(),
            f"{rest.ABSENT_WORD}_messages": Message.objects.filter(content__icontains=rest.ABSENT_WORD).count(),
        }
        log(f"data: {self.details['data']}")

    def token(self, who: str) -> str:
        return self.heavy[1] if who == "heavy" else self.lights[1][1]

    def start(self, server: procs.Server) -> procs.Server:
        self.servers.append(server)
        server.wait_ready()
        return server

    def stop(self, server: procs.Server) -> None:
        server.stop()
        self.servers.remove(server)

    def add(self, row: dict) -> None:
        row.setdefault("load_average", procs.load_average())
        self.rows.append(row)
        log(f"{row['scenario']} [{row.get('server', '')}]: p50 {row.get('p50_ms')} p99 {row.get('p99_ms')} "
            f"per s {row.get('throughput')} {row.get('verdict', '')} {row.get('note', '')}")  # fmt: skip

    # Scenario groups -----------------------------------------------------------------------------
    def loop(self, port, path_for, token, *, concurrency=None, requests=None, seconds=None, **kw):
        s = self.scale
        return asyncio.run(
            rest.run_http(
                port,
                path_for,
                token=token,
                concurrency=concurrency or s["concurrency"],
                requests=requests or s["requests"],
                seconds=seconds or s["seconds"],
                **kw,
            )
        )

    def prepare_fifty(self, port: int) -> None:
        """100 conversations of 50 messages for a light user, through the batch endpoint."""
        run = uuid.uuid4().hex[:6]
        body = rest.batch_body(f"b50{run}", 0, 100, 50)
        result = self.loop(port, lambda i: "/api/conversations/batch", self.lights[1][1], concurrency=1, requests=1,
                           method="POST", body_for=lambda i: body, expect=201, warmup=0)  # fmt: skip
        if result.errors:
            raise RuntimeError(f"could not create the 50-message conversations: {result.first_error}")
        self.fifty_ids = [f"b50{run}_0_{n}" for n in range(100)]

    def rest_group(self, port: int, label: str, watched: list[procs.Server], keys: set[str] | None = None) -> None:
        s = self.scale
        for scenario in rest.build():
            if keys and scenario.key not in keys:
                continue
            token = self.token(scenario.user)

            def path_for(i, scenario=scenario):
                return rest.resolve_path(scenario, i, self.fifty_ids, self.heavy_ids)

            with PeakRss(*watched) as rss:
                loaded = self.loop(port, path_for, token)
            single = self.loop(port, path_for, token, concurrency=1, requests=s["c1_requests"])
            row = {"scenario": scenario.label, "key": scenario.key, "server": label, **loaded.summary()}
            row.update(peak_rss_mb=rss.peak_mb, concurrency=s["concurrency"], at_concurrency_1=single.summary())
            if scenario.target_p99_ms:
                row["target"] = f"p99 <= {scenario.target_p99_ms:g} ms"
                met_16 = loaded.summary()["p99_ms"] <= scenario.target_p99_ms
                met_1 = single.summary()["p99_ms"] <= scenario.target_p99_ms
                row["verdict"] = "met" if met_16 and not loaded.errors else "NOT MET"
                row["note"] = f"c=1: p50 {single.summary()['p50_ms']} p99 {single.summary()['p99_ms']} ms" + (
                    " (met)" if met_1 else ""
                )
            else:
                row["note"] = f"c=1: p50 {single.summary()['p50_ms']} p99 {single.summary()['p99_ms']} ms"
            self.add(row)

    def batch_group(self, port: int, label: str, watched: list[procs.Server]) -> None:
        s = self.scale
        user_id, token = self.lights[2]
        run = uuid.uuid4().hex[:6]
        for messages, target in ((0, 100), (2, None)):
            bodies = [rest.batch_body(f"bb{run}m{messages}", rep, 1000, messages) for rep in range(s["batch_reps"])]
            with PeakRss(*watched) as rss:
                result = self.loop(port, lambda i: "/api/conversations/batch", token, concurrency=1,
                                   requests=len(bodies), seconds=120, method="POST",
                                   body_for=lambda i, bodies=bodies: bodies[i], expect=201, warmup=0)  # fmt: skip
            row = {"scenario": f"batch create 1,000 conversations ({messages} messages each)", "server": label}
            row.update(result.summary(), peak_rss_mb=rss.peak_mb, concurrency=1)
            if target:
                row["target"] = f"<= {target} ms (median)"
                row["verdict"] = "met" if result.summary()["p50_ms"] <= target and not result.errors else "NOT MET"
            self.add(row)

    def db_ceilings(self) -> None:
        s = self.scale
        from django.db import connection

        counts = {}
        for limit in (5, 20):
            counts[limit] = len(rest.capture_sql(f"/api/conversations?limit={limit}&nocache=q{limit}", self.heavy[1]))
        self.details["list_query_count"] = counts
        constant = counts[5] == counts[20]
        for row in self.rows:
            if row.get("key") == "list_20":
                row["note"] += f"; queries: {counts[5]} for 5, {counts[20]} for 20" + (
                    "" if constant else " NOT CONSTANT"
                )
                if not constant:
                    row["verdict"] = "NOT MET"
        connection.close()
        for scenario in rest.build():
            sql = rest.capture_sql(
                rest.resolve_path(scenario, 10**6, self.fifty_ids, self.heavy_ids), self.token(scenario.user)
            )
            result = asyncio.run(
                rest.psycopg_ceiling(self.dsn, sql, concurrency=s["concurrency"], requests=s["ceiling_requests"],
                                     seconds=s["seconds"])
            )  # fmt: skip
            row = {"scenario": f"  ceiling: same SQL via psycopg ({scenario.key})", "server": "psycopg"}
            row.update(result.summary(), note=f"{len(sql)} statements per request")
            self.add(row)
            self.details.setdefault("sql", {})[scenario.key] = sql
        if self.args.scale == "full":
            search_sql = self.details["sql"]["search_1pct"]
            self.details["explain_search_1pct"] = [rest.explain(self.dsn, q) for q in search_sql[:4]]
        connection.close()

    def bare_asgi_ceiling(self) -> None:
        body = asyncio.run(rest.fetch(self.daphne.port, f"/api/conversations/{self.fifty_ids[0]}", self.lights[1][1]))
        body_file = self.work / "get_conversation.json"
        body_file.write_bytes(body)
        self.canned_env = {"DJANGO_SETTINGS_MODULE": "bench.ceiling_settings", "BENCH_BODY_FILE": str(body_file)}
        bare = self.start(
            procs.daphne({**self.env, "BENCH_BODY_FILE": str(body_file)}, self.work, "bench.apps:bare_asgi", "bare")
        )
        with PeakRss(bare) as rss:
            result = self.loop(bare.port, lambda i: "/", "x")
        row = {"scenario": "  ceiling: bare ASGI app, same JSON", "server": "daphne", **result.summary()}
        row.update(peak_rss_mb=rss.peak_mb, note=f"{len(body):,} bytes, the get-conversation body")
        self.add(row)
        self.stop(bare)
        self.framework_ceiling("daphne", lambda env: procs.daphne(env, self.work, name="canned"))

    def framework_ceiling(self, label: str, server_for) -> None:
        """The get-conversation JSON from a DRF view of ours that does no work of its own."""
        server = self.start(server_for({**self.env, **self.canned_env}))
        with PeakRss(server) as rss:
            result = self.loop(server.port, lambda i: "/bench/canned", self.lights[1][1])
        single = self.loop(server.port, lambda i: "/bench/canned", self.lights[1][1], concurrency=1,
                           requests=self.scale["c1_requests"])  # fmt: skip
        row = {"scenario": "  ceiling: our DRF stack, canned JSON", "server": label, **result.summary()}
        row.update(peak_rss_mb=rss.peak_mb, note=f"c=1: p50 {single.summary()['p50_ms']} "
                   f"p99 {single.summary()['p99_ms']} ms; middleware, auth, throttle, rendering")  # fmt: skip
        self.add(row)
        self.stop(server)

    def topology_group(self) -> None:
        s = self.scale
        gunicorn = self.start(procs.gunicorn(self.env, self.work, workers=2))
        path_for = lambda i: rest.resolve_path(rest.build()[0], i, self.fifty_ids, self.heavy_ids)  # noqa: E731
        token = self.lights[1][1]
        throughput = {}
        with PeakRss(gunicorn) as rss:
            result = self.loop(gunicorn.port, path_for, token)
        throughput["gunicorn"] = result.summary()["throughput"]
        self.add({"scenario": "get conversation (50 messages)", "server": "gunicorn 2 sync", **result.summary(),
                  "peak_rss_mb": rss.peak_mb})  # fmt: skip
        if self.canned_env:
            self.framework_ceiling("gunicorn 2 sync", lambda env: procs.gunicorn(env, self.work, name="canned-g"))
        nginx = None
        if topology.nginx_available():
            nginx = self.start(
                topology.start_nginx(rest_port=gunicorn.port, async_port=self.daphne.port, work_dir=self.work,
                                     env=self.env)
            )  # fmt: skip
            with PeakRss(nginx, gunicorn) as rss:
                result = self.loop(nginx.port, path_for, token)
            throughput["topology"] = result.summary()["throughput"]
            ratio = throughput["topology"] / throughput["gunicorn"]
            row = {"scenario": "get conversation (50 messages)", "server": "nginx+gunicorn", **result.summary()}
            row.update(peak_rss_mb=rss.peak_mb, target=">= 80% of gunicorn req/s", ratio=round(ratio, 3))
            row.update(verdict="met" if ratio >= 0.8 else "NOT MET", note=f"{ratio:.0%} of gunicorn direct")
            self.add(row)
            self.rest_group(nginx.port, "nginx+gunicorn", [nginx, gunicorn],
                            keys={"list_20", "list_20_cached", "search_1pct", "search_absent"})  # fmt: skip
            self.batch_group(nginx.port, "nginx+gunicorn", [nginx, gunicorn])
            ws_urls = [f"ws://127.0.0.1:{nginx.port}/ws/{uid}?token={tok}" for uid, tok in self.ping_users()]
            result = asyncio.run(sockets.ping_rtt(ws_urls, seconds=s["ping_seconds"], ours=True))
            self.add({"scenario": f"socket ping, {len(ws_urls)} clients", "server": "nginx->daphne", **result})
        else:
            self.add({"scenario": "production topology", "server": "nginx", "verdict": "skipped",
                      "note": "nginx is not installed (apt-get install nginx-core)"})  # fmt: skip
        daphne_tp = next(
            (r["throughput"] for r in self.rows if r.get("key") == "get_conversation" and r["server"] == "daphne"), None
        )
        throughput["daphne"] = daphne_tp
        self.details["rest_throughput"] = throughput
        if nginx:
            self.stop(nginx)
        self.stop(gunicorn)

    def ping_users(self) -> list[tuple[int, str]]:
        n = self.scale["ping_clients"]
        return [self.lights[i % len(self.lights)] for i in range(n)]

    def socket_group(self) -> None:
        s = self.scale
        port = self.daphne.port
        urls = [f"ws://127.0.0.1:{port}/ws/{uid}?token={tok}" for uid, tok in self.ping_users()]
        with PeakRss(self.daphne) as rss:
            ours = asyncio.run(sockets.ping_rtt(urls, seconds=s["ping_seconds"], ours=True))
        echo = self.start(procs.daphne(self.env, self.work, "bench.echo_channels:application", "echo-channels"))
        bare = asyncio.run(
            sockets.ping_rtt([f"ws://127.0.0.1:{echo.port}/"] * len(urls), seconds=s["ping_seconds"], ours=False)
        )
        self.stop(echo)
        raw_port = procs.free_port()
        raw = self.start(procs.Server("ws-echo", procs.python_cmd("-m", "bench.apps", "ws-echo", str(raw_port)),
                                      env=self.env, port=raw_port, log_dir=self.work))  # fmt: skip
        raw_result = asyncio.run(
            sockets.ping_rtt([f"ws://127.0.0.1:{raw_port}/"] * len(urls), seconds=s["ping_seconds"], ours=False)
        )
        self.stop(raw)
        ratio = ours["throughput"] / bare["throughput"] if bare.get("throughput") else 0
        row = {"scenario": f"socket ping, {len(urls)} clients", "server": "daphne", **ours, "peak_rss_mb": rss.peak_mb}
        row.update(
            target=">= 80% of bare Channels", ratio=round(ratio, 3), verdict="met" if ratio >= 0.8 else "NOT MET"
        )
        row["note"] = f"{ratio:.0%} of the bare Channels echo consumer"
        self.add(row)
        self.add({"scenario": "  ceiling: bare Channels echo consumer", "server": "daphne", **bare})
        self.add({"scenario": "  ceiling: raw websockets echo server", "server": "websockets", **raw_result})

        members = self.lights[: s["room_members"]]
        with PeakRss(self.daphne) as rss:
            room = asyncio.run(sockets.room_delivery(port, members, messages=s["room_messages"], rate=s["room_rate"]))
        row = {"scenario": f"room of {len(members)}, {s['room_messages']} msgs at {s['room_rate']:g}/s"}
        row.update(server="daphne", **room, peak_rss_mb=rss.peak_mb, target="p99 <= 50 ms, none lost")
        row["verdict"] = "met" if room["p99_ms"] <= 50 and room["lost"] == 0 else "NOT MET"
        row["note"] = f"{room['count']:,} deliveries, {room['lost']} lost; rate column = deliveries/s"
        self.add(row)
        fan = asyncio.run(
            sockets.redis_fanout(self.redis_url, subscribers=len(members), messages=s["fanout_messages"],
                                 rate=s["room_rate"])
        )  # fmt: skip
        self.add({"scenario": f"  ceiling: raw Redis pub/sub to {len(members)}", "server": "redis", **fan,
                  "note": f"{fan['lost']} lost"})  # fmt: skip

        private = asyncio.run(
            sockets.private_messages(port, self.lights[3], self.lights[4], messages=s["private_messages"])
        )
        self.details["private_messages"] = private
        self.add({"scenario": "private message, recipient online", "server": "daphne", **private["online_delivery"],
                  "note": f"sender's message_sent p50 {private['online_message_sent']['p50_ms']} ms"})  # fmt: skip
        off = private["offline"]
        self.add({"scenario": f"private messages, {off['queued']} queued offline", "server": "daphne",
                  "p50_ms": off["connect_to_first_ms"], "p99_ms": off["connect_to_last_ms"],
                  "note": f"connect->first {off['connect_to_first_ms']} ms, ->last {off['connect_to_last_ms']} ms, "
                          f"{off['received']}/{off['queued']} received"})  # fmt: skip

    def chat_group(self) -> None:
        s = self.scale
        fake, port, token = self.fake, self.daphne.port, self.lights[5][1]
        fake.state.chunk_delay = 0.0
        fake.state.words = ["Hello", " from", " the", " fake", " provider."]
        direct = asyncio.run(streams.provider_first_chunk(fake, requests=s["ttfc_requests"]))
        ours = asyncio.run(streams.first_chunk(port, token, fake, requests=s["ttfc_requests"], model="gpt-4o"))
        added = ours["added"]
        row = {"scenario": "time to first chunk, fake OpenAI (added)", "server": "daphne", **added}
        row.update(target="<= 5 ms added (median)", verdict="met" if added["p50_ms"] <= 5 else "NOT MET")
        row["note"] = (
            f"provider first chunk -> client; request -> first chunk p50 {ours['ttfc']['p50_ms']} ms "
            f"(provider alone {direct['ttfc']['p50_ms']} ms)"
        )
        self.add(row)
        self.add({"scenario": "  ceiling: fake provider streamed directly", "server": "fake", **direct["added"],
                  "note": f"request -> first chunk p50 {direct['ttfc']['p50_ms']} ms"})  # fmt: skip
        local = asyncio.run(streams.first_chunk(port, token, None, requests=s["ttfc_requests"], model="local-echo"))
        self.add({"scenario": "time to first chunk, local model", "server": "daphne", **local["ttfc"],
                  "note": "request -> first chunk (no provider to subtract)"})  # fmt: skip

        fake.state.chunk_delay = 0.01  # one chunk per 10 ms
        fake.state.words = [f" w{i}" for i in range(s["paced_chunks"])]
        streams.stamp_chunks(fake)
        n = s["paced_streams"]
        fake_port = int(fake.url.rsplit(":", 1)[1])
        body = streams._chat_body("gpt-4o")
        json_headers = {"Content-Type": "application/json"}
        base = asyncio.run(streams.paced_streams(fake_port, "/v1/chat/completions", json_headers, body, streams=n))
        headers = {"Authorization": f"Bearer {token}", **json_headers}
        with PeakRss(self.daphne) as rss:
            paced = asyncio.run(streams.paced_streams(port, "/api/chat", headers, body, streams=n))
        added_p50 = round(paced["p50_ms"] - base["p50_ms"], 3)
        added_p99 = round(paced["p99_ms"] - base["p99_ms"], 3)
        self.details["paced_streams"] = {"ours": paced, "provider": base}
        row = {
            "scenario": f"{n} paced streams, per-chunk delay",
            "server": "daphne",
            **paced,
            "peak_rss_mb": rss.peak_mb,
        }
        row.update(target="<= 2 ms p99 added per chunk", verdict="met" if added_p99 <= 2 else "NOT MET")
        row["note"] = f"added over provider: p50 {added_p50} ms, p99 {added_p99} ms; {paced['failed_streams']} failed"
        self.add(row)
        self.add({"scenario": f"  ceiling: {n} paced streams, provider direct", "server": "fake", **base,
                  "note": f"{base['failed_streams']} failed"})  # fmt: skip
        fake.state.chunk_delay = 0.0

    def idle_group(self) -> None:
        s = self.scale
        server = self.start(procs.daphne(self.env, self.work, name="daphne-idle"))
        asyncio.run(rest.fetch(server.port, "/api/conversations?limit=1", self.heavy[1]))  # warm the process
        urls = [
            f"ws://127.0.0.1:{server.port}/ws/{uid}?token={tok}"
            for uid, tok in (self.lights[i % len(self.lights)] for i in range(s["idle_sockets"]))
        ]
        result = asyncio.run(sockets.idle_sockets(urls, hold=s["idle_hold"], server=server))
        self.details["idle_sockets"] = result
        ok = result["alive_after_hold"] == result["requested"] and result["kb_per_socket"] <= 50
        self.add({
            "scenario": f"{result['requested']:,} idle sockets, one process", "server": "daphne",
            "peak_rss_mb": result["rss_after_mb"], "target": "all held, <= 50 KB each",
            "verdict": "met" if ok else "NOT MET",
            "note": f"{result['kb_per_socket']} KB/socket, {result['alive_after_hold']:,} alive after "
                    f"{result['hold_seconds']:g} s, opened in {result['open_seconds']} s, idle CPU "
                    f"{result['idle_cpu_percent_of_core']}% of a core",
        })  # fmt: skip
        self.stop(server)

    # The run ---------------------------------------------------------------------------------------
    def run(self) -> dict:
        groups = set(self.args.only.split(",")) if self.args.only else set(GROUPS)
        started = time.perf_counter()
        meta = {
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "scale": self.args.scale,
            "overrides": dict(self.args.set or []),
            "commit": subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip(),  # fmt: skip
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "pinned": "servers on CPU 0, load client on CPU 1" if procs.can_pin() else "not pinned",
            "load_average_start": procs.load_average(),
            "database": self.db_name,
            "redis": f"{self.redis_url} prefix {self.prefix}",
        }
        log(f"scale {self.args.scale}, scratch {self.work}, load average {meta['load_average_start']}")
        try:
            self.database()
            self.django()
            from chat.tests.fake_providers import FakeProviderServer

            self.fake = FakeProviderServer("openai").__enter__()
            # socketserver listens with a backlog of 5: 50 streams opening at once were refused (502).
            self.fake.server.socket.listen(1024)
            self.env.update(
                OPENAI_BASE_URL=f"{self.fake.url}/v1", OPENAI_API_KEY="sk-bench", CHAT_PROVIDER_MAX_RETRIES="0"
            )
            self.daphne = self.start(procs.daphne(self.env, self.work))
            self.prepare_fifty(self.daphne.port)
            if "rest" in groups:
                self.rest_group(self.daphne.port, "daphne", [self.daphne])
                self.batch_group(self.daphne.port, "daphne", [self.daphne])
                self.bare_asgi_ceiling()
                self.db_ceilings()
            if "topology" in groups:
                self.topology_group()
            if "chat" in groups:
                self.chat_group()
            if "sockets" in groups:
                self.socket_group()
            if "idle" in groups:
                self.idle_group()
        finally:
            for server in list(self.servers):
                self.stop(server)
            self.cleanup()
        meta["load_average_end"] = procs.load_average()
        meta["seconds"] = round(time.perf_counter() - started, 1)
        return {"meta": meta, "rows": self.rows, "details": self.details}

    def cleanup(self) -> None:
        try:
            import redis

            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(f"{self.prefix}*", count=1000))
            for i in range(0, len(keys), 500):
                client.delete(*keys[i : i + 500])
            client.close()
        except Exception as exc:  # noqa: BLE001
            log(f"Redis cleanup failed: {exc}")
        if not self.args.keep_db:
            import psycopg

            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001  (Django never set up)
                pass
            with psycopg.connect(f"{self.pg}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            log(f"dropped {self.db_name}")


def _override(text: str) -> tuple[str, float]:
    key, _, value = text.partition("=")
    if key not in SCALES["full"]:
        raise argparse.ArgumentTypeError(f"unknown figure {key!r}; one of {', '.join(SCALES['full'])}")
    number = float(value)
    return key, int(number) if number.is_integer() else number


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--scale", choices=sorted(SCALES), default=os.environ.get("BENCH_SCALE", "full"))
    parser.add_argument("--keep-db", action="store_true", help="keep the database, and reuse it when already seeded")
    parser.add_argument("--db", help="database name (default chatstudio_bench[_smoke])")
    parser.add_argument("--only", help=f"comma-separated groups of {', '.join(GROUPS)}")
    parser.add_argument(
        "--set", action="append", type=_override, metavar="KEY=NUMBER",
        help="override one figure of the scale, e.g. --set idle_sockets=2000 (repeatable)",
    )  # fmt: skip
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="directory for the JSON result")
    args = parser.parse_args(argv)
    procs.pin_client()
    document = Bench(args).run()
    print()
    print(report.table(document["rows"]))
    meta = document["meta"]
    print(
        f"\nload average {meta['load_average_start']} -> {meta['load_average_end']} (2-core machine shared with "
        f"other work: absolute numbers move with it; compare ratios), {meta['pinned']}, {meta['seconds']} s"
    )
    path = Path(args.out) / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{args.scale}.json"
    report.write_json(path, document)
    print(f"JSON: {path}")
    failed = [r for r in document["rows"] if r.get("errors")]
    if failed:
        print(f"{len(failed)} scenarios had errors: {[r['scenario'] for r in failed]}")
        sys.exit(1)
