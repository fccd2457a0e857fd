"""End to end: two real daphne processes sharing the real PostgreSQL and Redis.

The processes use the test database pytest-django created (read from settings at run time) and
this run's Redis key prefix, so they see the users the test commits and nothing of other runs.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import websockets.sync.client
from django.conf import settings

from conversations import services as conversation_services
from realtime.models import PrivateMessage, RoomMessage
from realtime.tests.conftest import token_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port}")


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False


class Daphne:
    def __init__(self, tmp_path: Path, name: str, redis_url: str):
        self.port, self.name, self.redis_url = free_port(), name, redis_url
        self.log = tmp_path / f"{name}.log"
        self.proc = None

    def start(self) -> "Daphne":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "chatstudio.settings",
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": settings.TEST_RUN_PREFIX,
            "REALTIME_HEARTBEAT_SECONDS": "1",
        }
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "realtime.serve", "-b", "127.0.0.1", "-p", str(self.port)]
                + ["--access-log", str(self.log) + ".access", "chatstudio.asgi:application"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def url(self, path: str, user) -> str:
        return f"ws://127.0.0.1:{self.port}{path}?token={token_for(user)}"


@pytest.fixture
def daphnes(tmp_path):
    started: list[Daphne] = []

    def start(name: str, redis_url: str = settings.REDIS_URL) -> Daphne:
        process = Daphne(tmp_path, name, redis_url).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@contextmanager
def ws_open(url: str):
    with websockets.sync.client.connect(url, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "ready"
        yield ws


def recv_until(ws, frame_type: str, timeout: float = 10, **match) -> dict:
    deadline = time.time() + timeout
    while True:
        frame = json.loads(ws.recv(timeout=max(deadline - time.time(), 0.01)))
        if frame["type"] == frame_type and all(frame.get(k) == v for k, v in match.items()):
            return frame


def test_room_private_typing_and_conversation_updates_cross_processes(daphnes, user, other_user):
    one, two = daphnes("one"), daphnes("two")
    conversation_services.conversation_create(owner=other_user, data={"id": "conv_x", "title": "X"})

    with (
        ws_open(one.url(f"/ws/room/lobby/{user.pk}", user)) as alice_room,
        ws_open(two.url(f"/ws/room/lobby/{other_user.pk}", other_user)) as bob_room,
    ):
        recv_until(alice_room, "user_joined", user_id=str(other_user.pk))
        started = time.perf_counter()
        alice_room.send(json.dumps({"type": "chat", "content": "across processes"}))
        got = recv_until(bob_room, "chat_message")
        assert got["content"] == "across processes" and got["user_id"] == str(user.pk)
        assert time.perf_counter() - started < 1.0

        with (
            ws_open(one.url(f"/ws/private/{user.pk}/{other_user.pk}", user)) as alice_pm,
            ws_open(two.url(f"/ws/private/{other_user.pk}/{user.pk}", other_user)) as bob_pm,
        ):
            alice_pm.send(json.dumps({"type": "message", "content": "psst", "message_id": "e2e-1"}))
            assert recv_until(alice_pm, "message_sent")["message_id"] == "e2e-1"
            pm = recv_until(bob_pm, "private_message")
            assert pm["content"] == "psst" and pm["from"] == str(user.pk)

        with (
            ws_open(one.url(f"/ws/{user.pk}", user)) as alice_user,
            ws_open(two.url(f"/ws/{other_user.pk}", other_user)) as bob_on_two,
            ws_open(one.url(f"/ws/{other_user.pk}", other_user)) as bob_on_one,
        ):
            alice_user.send(json.dumps({"type": "typing", "to": str(other_user.pk)}))
            typing = recv_until(bob_on_two, "user_typing")
            assert typing["user_id"] == str(user.pk)

            # Bob's tab on process one chats in a conversation; his tab on process two sees it.
            bob_on_one.send(json.dumps({"type": "chat", "content": "remember this", "conversation_id": "conv_x"}))
            updated = recv_until(bob_on_two, "conversation_updated", conversation_id="conv_x")
            assert updated["conversation"]["messageCount"] >= 1
            complete = recv_until(bob_on_two, "chat_complete")
            assert complete["conversation_id"] == "conv_x" and complete["message_id"]


def test_private_messages_reach_a_recipient_whose_process_restarted(daphnes, user, other_user):
    one, two = daphnes("one"), daphnes("two")
    with ws_open(two.url(f"/ws/private/{other_user.pk}/{user.pk}", other_user)) as bob:
        bob.send(json.dumps({"type": "ping"}))
        recv_until(bob, "pong")
        two.stop()  # bob's server goes away mid-session
        with pytest.raises(websockets.ConnectionClosed):
            bob.recv(timeout=10)

    with ws_open(one.url(f"/ws/private/{user.pk}/{other_user.pk}", user)) as alice:
        for i in range(3):
            alice.send(json.dumps({"type": "message", "content": f"while you were away {i}", "message_id": f"a{i}"}))
            recv_until(alice, "message_sent", message_id=f"a{i}")
    assert PrivateMessage.objects.filter(recipient=other_user, delivered_at__isnull=True).count() == 3

    two.start()
    with ws_open(two.url(f"/ws/private/{other_user.pk}/{user.pk}", other_user)) as bob:
        delivered = [recv_until(bob, "private_message") for _ in range(3)]
        assert [f["content"] for f in delivered] == [f"while you were away {i}" for i in range(3)]


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of our own on a spare port, which the test may stop and restart."""
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("redis-server is not installed")
    port = free_port()

    class Server:
        url = f"redis://127.0.0.1:{port}/0"
        proc = None

        def start(self):
            self.proc = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_for_port(port)

        def stop(self):
            if self.proc and self.proc.poll() is None:
                self.proc.terminate()
                self.proc.wait(10)

    server = Server()
    server.start()
    yield server
    server.stop()


def test_room_session_survives_a_redis_restart(daphnes, own_redis, user, other_user):
    one, two = daphnes("one", own_redis.url), daphnes("two", own_redis.url)
    with (
        ws_open(one.url(f"/ws/room/lobby/{user.pk}", user)) as alice,
        ws_open(two.url(f"/ws/room/lobby/{other_user.pk}", other_user)) as bob,
    ):
        recv_until(alice, "user_joined", user_id=str(other_user.pk))
        alice.send(json.dumps({"type": "chat", "content": "before"}))
        assert recv_until(bob, "chat_message")["content"] == "before"

        own_redis.stop()
        alice.send(json.dumps({"type": "chat", "content": "while redis is down"}))
        error = recv_until(alice, "error")
        assert error["code"] == "delivery_unavailable"
        assert RoomMessage.objects.filter(content="while redis is down").exists()  # stored all the same

        own_redis.start()  # empty: every group membership is gone
        deadline, attempt, received = time.time() + 15, 0, None
        while time.time() < deadline and received is None:
            attempt += 1
            alice.send(json.dumps({"type": "chat", "content": f"after {attempt}"}))
            try:
                received = recv_until(bob, "chat_message", timeout=1)
            except TimeoutError:
                continue
        assert received is not None, "live delivery never came back after the Redis restart"
        assert received["content"].startswith("after")
        # Both sockets stayed open throughout.
        bob.send(json.dumps({"type": "ping"}))
        assert recv_until(bob, "pong")
        # What was sent while Redis was down is in the room's history for anyone who rejoins.
        with ws_open(two.url(f"/ws/room/lobby/{other_user.pk}", other_user)) as again:
            joined = recv_until(again, "room_joined")
            assert "while redis is down" in [m["content"] for m in joined["history"]]
