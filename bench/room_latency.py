"""Room delivery latency: one daphne process on Redis, a room of 50 members, one sender.

Measures, for each message, the time from the sender's `send` to each member's receipt of the
`chat_message` frame (all clients live in this process, so one clock). Prints median and p99.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatstudio_rt REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/room_latency.py --members 50 --messages 200 --rate 20

Creates (or reuses) users `bench_0..N` in that database and uses a fresh Redis key prefix.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatstudio.settings")


def setup_users(count: int):
    import django

    django.setup()
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User

    call_command("migrate", verbosity=0)
    users = []
    for i in range(count):
        user, created = User.objects.get_or_create(username=f"bench_{i}", defaults={"email": f"bench_{i}@example.com"})
        users.append((user.pk, str(AccessToken.for_user(user))))
    return users


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run(args, users, port: int) -> list[float]:
    from websockets.asyncio.client import connect

    room = f"bench-{uuid.uuid4().hex[:8]}"
    sockets = []
    for user_id, token in users:
        ws = await connect(f"ws://127.0.0.1:{port}/ws/room/{room}/{user_id}?token={token}", max_queue=None)
        sockets.append(ws)
    for ws in sockets:  # drain ready, room_joined and the user_joined frames
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "room_joined":
                break
    await asyncio.sleep(1.0)
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()
    expected = args.messages * len(sockets)

    async def reader(ws):
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "chat_message" and frame["content"] in sent_at:
                latencies.append(time.perf_counter() - sent_at[frame["content"]])
                if len(latencies) >= expected:
                    done.set()

    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    sender = sockets[0]
    for i in range(args.messages):
        content = f"m{i}"
        sent_at[content] = time.perf_counter()
        await sender.send(json.dumps({"type": "chat", "content": content}))
        await asyncio.sleep(1 / args.rate)
    try:
        await asyncio.wait_for(done.wait(), timeout=30)
    except TimeoutError:
        print(f"only {len(latencies)} of {expected} deliveries arrived", file=sys.stderr)
    for task in readers:
        task.cancel()
    for ws in sockets:
        await ws.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20, help="messages per second from the sender")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL.")
    users = setup_users(args.members)
    port = free_port()
    env = {
        **os.environ,
        "REDIS_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        "REALTIME_FRAME_RATE": str(int(args.rate * 2) + 10),
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "realtime.serve", "-b", "127.0.0.1", "-p", str(port), "-v", "0"]
        + ["chatstudio.asgi:application"],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        latencies = asyncio.run(run(args, users, port))
    finally:
        server.terminate()
        server.wait(10)
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"room of {args.members}, {args.messages} messages at {args.rate}/s, {len(ms)} deliveries: "
        f"median {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
