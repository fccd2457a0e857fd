"""The load client: a small HTTP/1.1 client on asyncio streams, fixed-concurrency loops, stats.

A hand-rolled client rather than httpx or aiohttp: on a 2-core machine the client shares the CPU
with the server, and this one spends a few tens of microseconds per request where a full client
library spends several hundred, so the server, not the client, is what a run measures.
"""

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class HttpConnection:
    """One keep-alive connection to 127.0.0.1; reconnects when the server closes it (gunicorn's
    sync workers close after every response)."""

    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _ensure(self) -> None:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=2**22)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    def _send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method in {"POST", "PUT", "PATCH"}:
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin1") + body)

    async def _head(self) -> tuple[int, dict[str, str]]:
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = raw.decode("latin1").split("\r\n")
        headers = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        return int(status_line.split(" ", 2)[1]), headers

    async def _chunks(self, headers: dict[str, str]) -> AsyncIterator[bytes]:
        if "content-length" in headers:
            yield await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                data = await self.reader.readexactly(size + 2)
                if size == 0:
                    return
                yield data[:-2]
        else:  # read to close
            while data := await self.reader.read(65536):
                yield data

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Response:
        for attempt in (1, 2):
            await self._ensure()
            try:
                self._send(method, path, headers or {}, body)
                status, response_headers = await self._head()
                break
            except (asyncio.IncompleteReadError, ConnectionError):
                self.close()  # a kept-alive connection the server had closed: retry once on a new one
                if attempt == 2:
                    raise
        payload = b"".join([chunk async for chunk in self._chunks(response_headers)])
        if response_headers.get("connection", "").lower() == "close" or "content-length" not in response_headers:
            self.close()
        return Response(status, response_headers, payload)

    async def stream(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> AsyncIterator[tuple[float, bytes]]:
        """(arrival time, bytes) for each piece of a streamed body as it arrives."""
        await self._ensure()
        self._send(method, path, headers or {}, body)
        _status, response_headers = await self._head()
        async for chunk in self._chunks(response_headers):
            yield time.perf_counter(), chunk
        if response_headers.get("connection", "").lower() == "close" or "content-length" not in response_headers:
            self.close()


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]  # nearest rank


def summarize(latencies: list[float], *, elapsed: float | None = None, errors: int = 0) -> dict:
    """Latencies in seconds → p50/p95/p99/max in milliseconds, count, errors and throughput."""
    ms = sorted(x * 1000 for x in latencies)
    out = {
        "count": len(ms),
        "errors": errors,
        "p50_ms": round(percentile(ms, 0.50), 3),
        "p95_ms": round(percentile(ms, 0.95), 3),
        "p99_ms": round(percentile(ms, 0.99), 3),
        "max_ms": round(ms[-1], 3) if ms else float("nan"),
    }
    if elapsed:
        out["throughput"] = round(len(ms) / elapsed, 1)
    return out


@dataclass
class LoopResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    first_error: str = ""

    def summary(self) -> dict:
        out = summarize(self.latencies, elapsed=self.elapsed, errors=self.errors)
        if self.first_error:
            out["first_error"] = self.first_error
        return out


async def closed_loop(
    worker_factory: Callable[[int], Callable[[int], Awaitable[None]]],
    *,
    concurrency: int,
    requests: int,
    seconds: float,
    warmup: int = 0,
) -> LoopResult:
    """`concurrency` workers, each calling its `op(i)` back to back, until `requests` calls have
    been made or `seconds` have passed. Failed calls (exceptions) count as errors."""
    result = LoopResult()
    ops = [worker_factory(w) for w in range(concurrency)]
    for i in range(warmup):
        try:
            await ops[i % concurrency](i)
        except Exception:  # noqa: BLE001  (warm-up failures show again in the measured loop)
            pass
    counter = iter(range(requests))
    deadline = time.perf_counter() + seconds

    async def run(op):
        for i in counter:
            if time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            try:
                await op(i)
            except Exception as exc:  # noqa: BLE001
                result.errors += 1
                result.first_error = result.first_error or f"{exc.__class__.__name__}: {exc}"[:300]
                continue
            result.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(run(op) for op in ops))
    result.elapsed = time.perf_counter() - started
    return result


def http_worker(port: int, method: str, path_for: Callable[[int], str], *, headers=None, body_for=None, expect=200):
    """A worker factory for `closed_loop`: one connection per worker; a non-`expect` status raises."""

    def factory(_worker: int):
        conn = HttpConnection(port)

        async def op(i: int) -> None:
            body = body_for(i) if body_for else b""
            response = await conn.request(method, path_for(i), headers, body)
            if response.status != expect:
                raise RuntimeError(f"HTTP {response.status}: {response.body[:200]!r}")

        return op

    return factory
