"""The AsyncAPI document, and tokens kept out of every log."""

import logging
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from realtime import asyncapi, events
from realtime.logredact import RedactTokensFilter, redact

ROOT = Path(settings.BASE_DIR)


def test_asyncapi_served_and_complete(client):
    response = client.get("/api/asyncapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc == asyncapi.document()
    assert doc["asyncapi"] == "3.0.0"
    for kind in events.SOCKET_SERVER_FRAMES:
        channel = doc["channels"][kind]
        names = {m["$ref"].rsplit("/", 1)[1] for m in channel["messages"].values()}
        assert names == {f"client_{n}" for n in events.SOCKET_CLIENT_FRAMES[kind]} | {
            f"server_{n}" for n in events.SOCKET_SERVER_FRAMES[kind]
        }
        for direction in ("receive", "send"):
            for ref in doc["operations"][f"{kind}_{direction}"]["messages"]:
                _, _, chan, _, message = ref["$ref"].split("/")
                assert message in doc["channels"][chan]["messages"]
    for message in doc["components"]["messages"].values():
        assert message["payload"]["properties"]["type"]
    for code in (4401, 4403, 4404, 4429):
        assert str(code) in doc["info"]["description"]


def test_docs_link_the_asyncapi_document():
    text = (ROOT / "docs" / "realtime.md").read_text()
    assert "/api/asyncapi.json" in text
    for kind in events.SOCKET_SERVER_FRAMES:
        assert asyncapi.CHANNELS[kind]["address"] in text


def test_every_frame_type_in_the_docs_page():
    text = (ROOT / "docs" / "realtime.md").read_text()
    for name in [*events.CLIENT_FRAMES, *events.SERVER_FRAMES]:
        assert f"`{name}`" in text, name


def test_log_filter_redacts_tokens(caplog):
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "HTTP GET %s 404", ("/ws/1?token=abc.def.ghi&x=1",), None
    )
    RedactTokensFilter().filter(record)
    assert record.getMessage() == "HTTP GET /ws/1?token=[redacted]&x=1 404"
    assert redact("/ws/1?last_seq=2&access_token=s3cr3t") == "/ws/1?last_seq=2&access_token=[redacted]"


def test_console_handler_has_the_redacting_filter():
    assert "redact_tokens" in settings.LOGGING["handlers"]["console"]["filters"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_daphne_access_log_never_shows_tokens(tmp_path):
    """`python -m realtime.serve` is daphne with a redacting access log; HTTP paths (which daphne
    logs with their query string) and socket handshakes both come out without the token."""
    import websockets.sync.client

    port, log = _free_port(), tmp_path / "access.log"
    secret = "SECRET-TOKEN-VALUE-123"
    proc = subprocess.Popen(
        [sys.executable, "-m", "realtime.serve", "-b", "127.0.0.1", "-p", str(port), "--access-log", str(log)]
        + ["chatstudio.asgi:application"],
        cwd=ROOT,
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "chatstudio.settings",
            "REDIS_KEY_PREFIX": settings.TEST_RUN_PREFIX,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ws/1?token={secret}", timeout=5)
        with websockets.sync.client.connect(f"ws://127.0.0.1:{port}/ws/1?token={secret}") as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert closed.value.rcvd.code == 4401
        time.sleep(0.5)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0].decode()
    text = log.read_text()
    assert "token=[redacted]" in text and re.search(r"WSCONNECT /ws/1", text)
    assert secret not in text and secret not in output
