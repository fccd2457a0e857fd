"""How many sockets this process holds open (the consumers count themselves in and out)."""

import threading

_lock = threading.Lock()
_open = 0


def socket_opened() -> None:
    global _open
    with _lock:
        _open += 1


def socket_closed() -> None:
    global _open
    with _lock:
        _open = max(0, _open - 1)


def open_socket_count() -> int:
    return _open
