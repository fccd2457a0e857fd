"""The server-sent-event decoder the providers read streamed replies with."""

import httpx2
import pytest

from chat.providers.sse import read_events


async def _events(*pieces: bytes) -> list[tuple[str, bytes]]:
    async def body():
        for piece in pieces:
            yield piece

    return [event async for event in read_events(httpx2.Response(200, content=body()))]


async def test_openai_shaped_stream_in_arbitrary_pieces():
    raw = b'data: {"a": 1}\n\ndata: {"b": 2}\n\ndata: [DONE]\n\n'
    expected = [("", b'{"a": 1}'), ("", b'{"b": 2}'), ("", b"[DONE]")]
    for cut in range(1, len(raw)):
        assert await _events(raw[:cut], raw[cut:]) == expected


async def test_named_events_multiline_data_and_skipped_fields():
    raw = b"event: message_start\ndata: {}\n\n: keep-alive\n\nid: 7\nretry: 10\n\nevent: e\ndata: one\ndata:two\n\n"
    assert await _events(raw) == [("message_start", b"{}"), ("e", b"one\ntwo")]


@pytest.mark.parametrize("end", [b"\r\n", b"\r"])
async def test_crlf_and_cr_line_ends_even_split_between_pieces(end):
    raw = b"event: a" + end + b"data: 1" + end + end + b"data: 2" + end + end
    expected = [("a", b"1"), ("", b"2")]
    for cut in range(1, len(raw)):
        assert await _events(raw[:cut], raw[cut:]) == expected


async def test_event_cut_off_by_the_end_of_the_stream_is_dropped():
    assert await _events(b"data: whole\n\ndata: cut") == [("", b"whole")]
