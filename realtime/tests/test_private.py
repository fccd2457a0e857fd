"""`/ws/private/{from_user}/{to_user}`: delivery, the offline queue, ack, dedup, cross-user."""

import pytest
from asgiref.sync import sync_to_async

from realtime.models import PrivateMessage
from realtime.tests.conftest import token_for

pytestmark = pytest.mark.django_db(transaction=True)


async def open_private(sockets, me, peer):
    ws = await sockets(f"/ws/private/{me.pk}/{peer.pk}?token={token_for(me)}")
    assert (await ws.recv())["type"] == "ready"
    return ws


async def test_message_reaches_recipient_and_sender_gets_message_sent(sockets, user, other_user):
    alice, bob = await open_private(sockets, user, other_user), await open_private(sockets, other_user, user)
    await alice.send({"type": "message", "content": "psst", "message_id": "m1"})
    sent = await alice.recv()
    assert sent["type"] == "message_sent" and sent["to"] == str(other_user.pk) and sent["message_id"] == "m1"
    assert sent["duplicate"] is False
    got = await bob.recv()
    assert got == {
        "type": "private_message",
        "from": str(user.pk),
        "to": str(other_user.pk),
        "content": "psst",
        "timestamp": sent["timestamp"],
        "message_id": "m1",
    }
    # Stored before it was acknowledged to the sender.
    assert await sync_to_async(PrivateMessage.objects.filter(message_id="m1", sender=user).exists)()


async def test_offline_recipient_gets_everything_in_order_until_acked(sockets, user, other_user):
    alice = await open_private(sockets, user, other_user)
    for i in range(5):
        await alice.send({"type": "message", "content": f"note {i}", "message_id": f"n{i}"})
        assert (await alice.recv())["type"] == "message_sent"

    bob = await sockets(f"/ws/private/{other_user.pk}/{user.pk}?token={token_for(other_user)}")
    await bob.recv()
    delivered = [await bob.recv() for _ in range(5)]
    assert [f["content"] for f in delivered] == [f"note {i}" for i in range(5)]
    await bob.send({"type": "ack", "message_id": "n0", "from": str(user.pk)})
    await bob.send({"type": "ack", "message_id": "n1"})
    await bob.send({"type": "ping"})
    assert (await bob.recv())["type"] == "pong"
    await bob.close()

    again = await open_private(sockets, other_user, user)
    redelivered = [await again.recv() for _ in range(3)]
    assert [f["message_id"] for f in redelivered] == ["n2", "n3", "n4"]
    assert await again.nothing()


async def test_a_resent_message_id_is_delivered_once(sockets, user, other_user):
    alice, bob = await open_private(sockets, user, other_user), await open_private(sockets, other_user, user)
    await alice.send({"type": "message", "content": "once", "message_id": "dup"})
    assert (await alice.recv())["duplicate"] is False
    await alice.send({"type": "message", "content": "once", "message_id": "dup"})
    second = await alice.recv()
    assert second["type"] == "message_sent" and second["duplicate"] is True
    assert (await bob.recv())["message_id"] == "dup"
    assert await bob.nothing()
    assert await sync_to_async(PrivateMessage.objects.count)() == 1


async def test_recipient_online_elsewhere_receives_on_any_private_socket(sockets, user, other_user, make_user):
    carol = await sync_to_async(make_user)("carol")
    bob_with_carol = await open_private(sockets, other_user, carol)
    alice = await open_private(sockets, user, other_user)
    await alice.send({"type": "message", "content": "hey", "message_id": "x"})
    got = await bob_with_carol.recv()
    assert got["type"] == "private_message" and got["from"] == str(user.pk)


async def test_typing_reaches_the_peer(sockets, user, other_user):
    alice, bob = await open_private(sockets, user, other_user), await open_private(sockets, other_user, user)
    await alice.send({"type": "typing"})
    assert await bob.recv() == {"type": "user_typing", "user_id": str(user.pk)}
    assert await alice.nothing()


async def test_sending_as_another_user_closes_4403(sockets, user, other_user):
    ws = await sockets(f"/ws/private/{other_user.pk}/{user.pk}?token={token_for(user)}")
    assert await ws.closed_with() == 4403


@pytest.mark.parametrize("to", ["999999", "abc", "self"])
async def test_unknown_recipient_or_self_closes_4404(sockets, user, to):
    to = str(user.pk) if to == "self" else to
    ws = await sockets(f"/ws/private/{user.pk}/{to}?token={token_for(user)}")
    assert await ws.closed_with() == 4404


async def test_bad_message_frames_answer_errors(sockets, user, other_user):
    alice = await open_private(sockets, user, other_user)
    await alice.send({"type": "message"})
    assert (await alice.recv())["code"] == "missing_field"
    await alice.send({"type": "message", "content": "x", "message_id": "y" * 101})
    assert (await alice.recv())["code"] == "invalid_field"
    await alice.send({"type": "ack"})
    assert (await alice.recv())["code"] == "missing_field"
    await alice.send({"type": "ack", "message_id": "m", "from": "bob"})
    assert (await alice.recv())["code"] == "invalid_field"
    await alice.send({"type": "chat", "content": "x"})
    assert (await alice.recv())["code"] == "unknown_type"
