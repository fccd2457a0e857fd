"""How many sockets this process holds open, by kind (the consumers count themselves in and out)."""

import collections
import threading

_lock = threading.Lock()
_open: collections.Counter[str] = collections.Counter()


def socket_opened(kind: str = "socket") -> None:
    with _lock:
        _open[kind] += 1


def socket_closed(kind: str = "socket") -> None:
    with _lock:
        _open[kind] = max(0, _open[kind] - 1)


def open_socket_count() -> int:
    return sum(_open.values())


def open_sockets_by_kind() -> dict[str, int]:
    with _lock:
        return {kind: count for kind, count in _open.items() if count}
