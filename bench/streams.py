"""Streamed chat replies: time to first chunk, and per-chunk delay of many paced streams, against
the fake OpenAI server from chat/tests running in this process (one clock for both ends)."""

import asyncio
import json
import re
import time

from bench.load import HttpConnection, summarize

OURS_CHUNK = b"event: chunk"
PROVIDER_CHUNK = b'"delta": {"content": "'
STAMP = re.compile(rb" t(\d+\.\d{6})")


def stamp_chunks(fake) -> None:
    """Makes the fake provider write, as the text of each ` w...` word chunk, the moment it sends
    it, so the client can tell each chunk's delay exactly (same process, same clock)."""
    handler = fake.server.RequestHandlerClass
    if getattr(handler, "_bench_stamped", False):
        return
    original = handler._openai_chunk

    def stamped(self, body, choices, usage=None):
        for choice in choices:
            delta = choice.get("delta", {})
            if str(delta.get("content", "")).startswith(" w"):
                delta["content"] = f" t{time.perf_counter():.6f}"
        return original(self, body, choices, usage)

    handler._openai_chunk = stamped
    handler._bench_stamped = True


def _chat_body(model: str) -> bytes:
    return json.dumps({"model": model, "stream": True, "messages": [{"role": "user", "content": "Say hello"}]}).encode()


async def _stream_arrivals(
    port: int, path: str, headers: dict, body: bytes, marker: bytes
) -> tuple[float, list[float]]:
    """(request start, arrival time of every chunk carrying `marker`)."""
    conn = HttpConnection(port)
    started = time.perf_counter()
    arrivals: list[float] = []
    async for arrived, piece in conn.stream("POST", path, headers, body):
        arrivals += [arrived] * piece.count(marker)
    conn.close()
    return started, arrivals


async def first_chunk(port: int, token: str, fake, *, requests: int, model: str) -> dict:
    """Sequential streamed requests to /api/chat. For the fake provider, how much later than the
    provider sent its first chunk the client got ours; for the local model, request to first chunk."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    added, ttfc = [], []
    for i in range(requests + 3):
        started, arrivals = await _stream_arrivals(port, "/api/chat", headers, _chat_body(model), OURS_CHUNK)
        if not arrivals:
            raise RuntimeError(f"/api/chat with {model} streamed no chunk")
        if i < 3:
            continue  # warm-up
        ttfc.append(arrivals[0] - started)
        if fake is not None:
            added.append(arrivals[0] - fake.state.first_chunk_sent_at[-1])
    return {"ttfc": summarize(ttfc), "added": summarize(added) if added else None}


async def provider_first_chunk(fake, *, requests: int) -> dict:
    """The fake provider streamed directly: its own first chunk, send to receipt."""
    port = int(fake.url.rsplit(":", 1)[1])
    headers = {"Content-Type": "application/json"}
    added, ttfc = [], []
    for _ in range(requests):
        started, arrivals = await _stream_arrivals(
            port, "/v1/chat/completions", headers, _chat_body("gpt-4o"), PROVIDER_CHUNK
        )
        ttfc.append(arrivals[0] - started)
        added.append(arrivals[0] - fake.state.first_chunk_sent_at[-1])
    return {"ttfc": summarize(ttfc), "added": summarize(added)}


async def _stamped_delays(port: int, path: str, headers: dict, body: bytes) -> list[float]:
    conn = HttpConnection(port)
    delays = []
    async for arrived, piece in conn.stream("POST", path, headers, body):
        delays += [arrived - float(m) for m in STAMP.findall(piece)]
    conn.close()
    return delays


async def paced_streams(port: int, path: str, headers: dict, body: bytes, *, streams: int) -> dict:
    """`streams` concurrent streams: each chunk's delay from the provider's send to our receipt."""
    results = await asyncio.gather(
        *(_stamped_delays(port, path, headers, body) for _ in range(streams)), return_exceptions=True
    )
    delays = [d for r in results if not isinstance(r, Exception) for d in r]
    out = summarize(delays)
    out.update(streams=streams, failed_streams=sum(isinstance(r, Exception) or not r for r in results))
    return out
