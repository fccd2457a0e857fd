"""How many sockets this process holds open, by kind (the consumers count themselves in and out)."""

import collections
import threading

from prometheus_client import Counter, Gauge

_lock = threading.Lock()
_open: collections.Counter[str] = collections.Counter()

open_sockets = Gauge("chatstudio_open_sockets", "Open WebSockets by kind.", ["kind"], multiprocess_mode="livesum")
frames = Counter("chatstudio_socket_frames_total", "WebSocket frames by kind and direction.", ["kind", "direction"])


def socket_opened(kind: str = "socket") -> None:
    with _lock:
        _open[kind] += 1
    open_sockets.labels(kind=kind).inc()


def socket_closed(kind: str = "socket") -> None:
    with _lock:
        _open[kind] = max(0, _open[kind] - 1)
    open_sockets.labels(kind=kind).dec()


def open_socket_count() -> int:
    return sum(_open.values())


def open_sockets_by_kind() -> dict[str, int]:
    with _lock:
        return {kind: count for kind, count in _open.items() if count}
