"""Socket scenarios (all clients in this process, so one clock) and the fan-out ceiling.

Clients never offer permessage-deflate (`compression=None`), for our server and the ceilings
alike; MEASURED.md puts its cost at about 18% of socket throughput.
"""

import asyncio
import json
import time
import uuid

from websockets.asyncio.client import connect

from bench.load import LoopResult, summarize


async def _open(url: str, **kwargs):
    return await connect(url, compression=None, max_queue=None, open_timeout=60, **kwargs)


async def _until(ws, kind: str, timeout: float = 30) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == kind:
                return frame


async def ping_rtt(urls: list[str], *, seconds: float, ours: bool) -> dict:
    """Each client sends a frame and waits for the answer, back to back, for `seconds`."""
    sockets = await asyncio.gather(*(_open(u) for u in urls))
    if ours:
        await asyncio.gather(*(_until(ws, "ready") for ws in sockets))
    result = LoopResult()
    frame = json.dumps({"type": "ping"})
    deadline = time.perf_counter() + seconds

    async def client(ws):
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await ws.send(frame)
            while True:  # our server may push other frames; the echo answers with the same one
                answer = await ws.recv()
                if not ours or '"pong"' in answer:
                    break
            result.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(client(ws) for ws in sockets), return_exceptions=True)
    result.elapsed = time.perf_counter() - started
    result.errors = sum(isinstance(o, Exception) for o in outcomes)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return result.summary()


async def room_delivery(port: int, members: list[tuple[int, str]], *, messages: int, rate: float) -> dict:
    """A room of `len(members)`; member 0 sends `messages` chat frames at `rate`/s; the time from
    each send to each member's `chat_message` (the sender included: it gets its own message)."""
    room = f"bench-{uuid.uuid4().hex[:8]}"
    sockets = []
    for user_id, token in members:  # one by one, as people join a room
        ws = await _open(f"ws://127.0.0.1:{port}/ws/room/{room}/{user_id}?token={token}")
        await _until(ws, "room_joined")
        sockets.append(ws)
    await asyncio.sleep(1.0)  # let the user_joined frames settle
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    expected = messages * len(sockets)
    done = asyncio.Event()

    async def reader(ws):
        async for raw in ws:
            if '"chat_message"' not in raw:
                continue
            frame = json.loads(raw)
            if frame.get("content") in sent_at:
                latencies.append(time.perf_counter() - sent_at[frame["content"]])
                if len(latencies) >= expected:
                    done.set()

    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    started = time.perf_counter()
    for i in range(messages):
        content = f"bench message {i}"
        sent_at[content] = time.perf_counter()
        await sockets[0].send(json.dumps({"type": "chat", "content": content}))
        await asyncio.sleep(max(0.0, started + (i + 1) / rate - time.perf_counter()))
    try:
        await asyncio.wait_for(done.wait(), timeout=15)
    except TimeoutError:
        pass
    elapsed = time.perf_counter() - started
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    out = summarize(latencies, elapsed=elapsed)
    out.update(expected=expected, lost=expected - len(latencies), members=len(sockets), messages=messages)
    return out


async def redis_fanout(redis_url: str, *, subscribers: int, messages: int, rate: float) -> dict:
    """Raw Redis pub/sub: one connection per subscriber, one publisher, same pacing as the room."""
    import redis.asyncio as redis

    channel = f"bench-fanout-{uuid.uuid4().hex[:8]}"
    clients = [redis.Redis.from_url(redis_url) for _ in range(subscribers + 1)]
    pubsubs = [c.pubsub() for c in clients[1:]]
    for ps in pubsubs:
        await ps.subscribe(channel)
        await ps.get_message(timeout=1)  # the subscribe confirmation
    latencies: list[float] = []
    expected = messages * subscribers

    async def reader(ps):
        while True:
            msg = await ps.get_message(ignore_subscribe_messages=True, timeout=None)
            if msg:
                latencies.append(time.perf_counter() - float(msg["data"]))

    readers = [asyncio.create_task(reader(ps)) for ps in pubsubs]
    started = time.perf_counter()
    for i in range(messages):
        await clients[0].publish(channel, repr(time.perf_counter()))
        await asyncio.sleep(max(0.0, started + (i + 1) / rate - time.perf_counter()))
    deadline = time.perf_counter() + 10
    while len(latencies) < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    for task in readers:
        task.cancel()
    for ps in pubsubs:
        await ps.aclose()
    for c in clients:
        await c.aclose()
    out = summarize(latencies)
    out.update(expected=expected, lost=expected - len(latencies))
    return out


async def private_messages(port: int, sender: tuple[int, str], recipient: tuple[int, str], *, messages: int) -> dict:
    """Online: recipient connected, time from `message` to its `private_message` (and to the
    sender's `message_sent`). Offline: `messages` sent while the recipient is away, then the time
    from its connect to the first and to the last queued message."""
    (a_id, a_token), (b_id, b_token) = sender, recipient
    url_a = f"ws://127.0.0.1:{port}/ws/private/{a_id}/{b_id}?token={a_token}"
    url_b = f"ws://127.0.0.1:{port}/ws/private/{b_id}/{a_id}?token={b_token}"
    run = uuid.uuid4().hex[:6]

    async def drain_pending(ws) -> None:  # acknowledge whatever an earlier run left queued
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                if frame.get("type") == "private_message":
                    await ws.send(json.dumps({"type": "ack", "message_id": frame["message_id"], "from": str(a_id)}))
        except TimeoutError:
            pass

    a = await _open(url_a)
    b = await _open(url_b)
    await _until(a, "ready")
    await _until(b, "ready")
    await drain_pending(b)
    delivered, acked = [], []
    for i in range(messages):
        message_id = f"on_{run}_{i}"
        started = time.perf_counter()
        await a.send(json.dumps({"type": "message", "content": f"hello {i}", "message_id": message_id}))
        got_sent = got_delivered = False
        while not (got_sent and got_delivered):
            done, _ = await asyncio.wait(
                [
                    asyncio.ensure_future(x.recv())
                    for x in ([a] if not got_sent else []) + ([b] if not got_delivered else [])
                ],
                return_when=asyncio.ALL_COMPLETED,
            )
            for task in done:
                frame = json.loads(task.result())
                if frame.get("type") == "message_sent" and frame.get("message_id") == message_id:
                    got_sent = True
                    acked.append(time.perf_counter() - started)
                elif frame.get("type") == "private_message" and frame.get("message_id") == message_id:
                    got_delivered = True
                    delivered.append(time.perf_counter() - started)
                    await b.send(json.dumps({"type": "ack", "message_id": message_id, "from": str(a_id)}))
    await b.close()
    await asyncio.sleep(0.3)
    for i in range(messages):
        await a.send(json.dumps({"type": "message", "content": f"later {i}", "message_id": f"off_{run}_{i}"}))
        await _until(a, "message_sent")
    started = time.perf_counter()
    b = await _open(url_b)
    first = last = None
    received = 0
    async with asyncio.timeout(30):
        while received < messages:
            frame = json.loads(await b.recv())
            if frame.get("type") == "private_message" and frame["message_id"].startswith(f"off_{run}_"):
                received += 1
                last = time.perf_counter() - started
                first = first or last
                await b.send(json.dumps({"type": "ack", "message_id": frame["message_id"], "from": str(a_id)}))
    await asyncio.sleep(0.3)  # let the acks land before closing
    await a.close()
    await b.close()
    online = summarize(delivered)
    return {
        "online_delivery": online,
        "online_message_sent": summarize(acked),
        "offline": {
            "queued": messages,
            "received": received,
            "connect_to_first_ms": round(first * 1000, 1),
            "connect_to_last_ms": round(last * 1000, 1),
        },
    }


async def idle_sockets(urls: list[str], *, hold: float, server, open_concurrency: int = 64) -> dict:
    """Opens every url (waiting for `ready`), holds them `hold` seconds, counts the survivors.
    Resident memory of the server process before and after, and its CPU while idle."""
    rss_before = server.rss_kb()
    sockets: list = []
    failures = 0
    gate = asyncio.Semaphore(open_concurrency)

    async def open_one(url):
        nonlocal failures
        async with gate:
            try:
                ws = await _open(url, ping_interval=None)
                await _until(ws, "ready")
                sockets.append(ws)
            except Exception:  # noqa: BLE001
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(open_one(u) for u in urls))
    open_seconds = time.perf_counter() - started
    await asyncio.sleep(1.0)
    cpu_before = server.cpu_seconds()
    await asyncio.sleep(hold)
    idle_cpu = (server.cpu_seconds() - cpu_before) / hold
    rss_after = server.rss_kb()
    alive = sum(1 for ws in sockets if ws.close_code is None)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    opened = len(sockets)
    return {
        "requested": len(urls),
        "opened": opened,
        "open_failures": failures,
        "alive_after_hold": alive,
        "hold_seconds": hold,
        "open_seconds": round(open_seconds, 1),
        "rss_before_mb": round(rss_before / 1024, 1),
        "rss_after_mb": round(rss_after / 1024, 1),
        "kb_per_socket": round((rss_after - rss_before) / max(1, opened), 1),
        "idle_cpu_percent_of_core": round(idle_cpu * 100, 1),
    }
