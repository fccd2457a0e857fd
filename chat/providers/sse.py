"""Server-sent events read straight off a provider's streamed HTTP response.

Both SDKs build a pydantic model for every streamed event: about 114 µs per chunk here, the
largest part of what a streamed reply cost per chunk. The providers therefore take the raw
response from the SDK (which still builds the request, authenticates, retries and raises its
own errors for failed statuses) and read the events with this decoder.
"""

from collections.abc import AsyncIterator

import httpx2


async def read_events(response: httpx2.Response) -> AsyncIterator[tuple[str, bytes]]:
    """(event name or "", data) for each complete event, as the SSE standard frames them.

    Data lines are joined with newlines; comments, `id` and `retry` are skipped; an event cut
    off by the end of the stream is dropped. Read timeouts and transport failures raise httpx2's
    own exceptions.
    """
    pending = b""
    async for piece in response.aiter_bytes():
        pending += piece
        if b"\r" in pending:
            pending = _lf_line_ends(pending)
        if b"\n\n" in pending:
            *blocks, pending = pending.split(b"\n\n")
            for block in blocks:
                if event := _event(block):
                    yield event
    if pending.endswith(b"\n\r") and (event := _event(pending[:-2])):  # a final CR ended the event
        yield event


def _lf_line_ends(pending: bytes) -> bytes:
    """Lines may end in CRLF, LF or CR; a CR at the very end is kept, as it may start a CRLF."""
    held = b"\r" if pending.endswith(b"\r") else b""
    return pending[: len(pending) - len(held)].replace(b"\r\n", b"\n").replace(b"\r", b"\n") + held


def _event(block: bytes) -> tuple[str, bytes] | None:
    if block.startswith(b"data: ") and b"\n" not in block:
        return "", block[6:]  # the usual shape: one data line, no name
    name, data = "", []
    for line in block.split(b"\n"):
        field, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if field == b"data":
            data.append(value)
        elif field == b"event":
            name = value.decode()
    if not data and not name:
        return None
    return name, b"\n".join(data)
