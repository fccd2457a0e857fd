"""Socket metrics on /metrics: open sockets by kind, frames in and out, offline queue depth."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from realtime.tests.conftest import token_for

pytestmark = pytest.mark.django_db(transaction=True)


def scrape() -> str:
    return Client().get("/metrics").content.decode()


def sample(text: str, name: str, **labels) -> float:
    label_text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = rf"^{name}{{{label_text}}} (\S+)$" if labels else rf"^{name} (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_open_sockets_frames_and_offline_queue_are_exported(sockets, user, other_user):
    before = await sync_to_async(scrape)()
    ws = await sockets(f"/ws/{user.pk}?token={token_for(user)}")
    await ws.recv()
    await ws.send({"type": "ping"})
    await ws.recv_until("pong")
    private = await sockets(f"/ws/private/{user.pk}/{other_user.pk}?token={token_for(user)}")
    await private.recv()
    await private.send({"type": "message", "content": "while you were away", "message_id": "q1"})
    await private.recv_until("message_sent")

    during = await sync_to_async(scrape)()

    assert (
        sample(during, "chatstudio_open_sockets", kind="user")
        == sample(before, "chatstudio_open_sockets", kind="user") + 1
    )
    assert sample(during, "chatstudio_socket_frames_total", kind="user", direction="in") >= 1 + sample(
        before, "chatstudio_socket_frames_total", kind="user", direction="in"
    )
    assert sample(during, "chatstudio_socket_frames_total", kind="user", direction="out") >= 2 + sample(
        before, "chatstudio_socket_frames_total", kind="user", direction="out"
    )
    assert sample(during, "chatstudio_offline_queue_depth") == 1

    await ws.close()
    await private.close()
    after = await sync_to_async(scrape)()
    assert sample(after, "chatstudio_open_sockets", kind="user") == sample(
        before, "chatstudio_open_sockets", kind="user"
    )
