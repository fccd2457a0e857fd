"""`/ws/room/{room_id}/{user_id}`: join, history, members, broadcasts, private rooms, AI replies."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings

from realtime import presence, services
from realtime.models import Room, RoomMembership, RoomMessage
from realtime.tests.conftest import token_for

pytestmark = pytest.mark.django_db(transaction=True)


async def join(sockets, user, room="lobby"):
    ws = await sockets(f"/ws/room/{room}/{user.pk}?token={token_for(user)}")
    assert (await ws.recv())["type"] == "ready"
    joined = await ws.recv()
    assert joined["type"] == "room_joined"
    own = await ws.recv()
    assert own["type"] == "user_joined" and own["user_id"] == str(user.pk)
    return ws, joined


@pytest.fixture
def private_room(user):
    room = Room.objects.create(name="staff", is_private=True)
    RoomMembership.objects.create(room=room, user=user)
    return room


@pytest.fixture
def moderator(make_user):
    return make_user("mod")


async def test_join_sends_history_and_members_and_tells_the_room(sockets, user, other_user):
    alice, first = await join(sockets, user)
    assert first["history"] == [] and first["members"] == [
        {"user_id": str(user.pk), "username": "alice", "online": True}
    ]
    await alice.send({"type": "chat", "content": "hello room"})
    message = await alice.recv()
    assert message["type"] == "chat_message" and message["content"] == "hello room"

    bob, second = await join(sockets, other_user)
    assert [m["content"] for m in second["history"]] == ["hello room"]
    assert second["members"] == [
        {"user_id": str(user.pk), "username": "alice", "online": True},
        {"user_id": str(other_user.pk), "username": "mallory", "online": True},
    ]
    joined = await alice.recv()
    assert joined == {"type": "user_joined", "room_id": "lobby", "user_id": str(other_user.pk), "username": "mallory"}


async def test_chat_is_stored_and_broadcast_to_every_member(sockets, user, other_user):
    alice, _ = await join(sockets, user)
    bob, _ = await join(sockets, other_user)
    await alice.recv()  # bob joined
    await bob.send({"type": "chat", "content": "hi all"})
    for ws in (alice, bob):
        frame = await ws.recv()
        assert frame["type"] == "chat_message" and frame["user_id"] == str(other_user.pk)
        assert frame["content"] == "hi all" and frame["room_id"] == "lobby" and frame["role"] == "user"
    stored = await sync_to_async(lambda: list(RoomMessage.objects.values_list("public_id", "content")))()
    assert stored == [(frame["message_id"], "hi all")]


async def test_leaving_tells_the_room(sockets, user, other_user):
    alice, _ = await join(sockets, user)
    bob, _ = await join(sockets, other_user)
    await alice.recv()
    await bob.close()
    assert await alice.recv() == {"type": "user_left", "room_id": "lobby", "user_id": str(other_user.pk)}


async def test_presence_outlives_its_ttl_while_the_socket_stays_open(sockets, user, other_user, settings):
    """The process heartbeat renews every open socket's presence entry before it expires."""
    settings.REALTIME_HEARTBEAT_SECONDS = 0.1
    settings.REALTIME_PRESENCE_TTL_SECONDS = 0.4
    await join(sockets, user)
    await asyncio.sleep(1.0)
    _, joined = await join(sockets, other_user)
    assert joined["members"] == [
        {"user_id": str(user.pk), "username": "alice", "online": True},
        {"user_id": str(other_user.pk), "username": "mallory", "online": True},
    ]


async def test_a_closed_socket_is_not_renewed_back_into_presence(sockets, user, other_user, make_user, settings):
    settings.REALTIME_HEARTBEAT_SECONDS = 0.05
    alice, _ = await join(sockets, user)
    bob, _ = await join(sockets, other_user)
    await alice.close()
    await asyncio.sleep(0.3)  # several beats after alice left
    _, joined = await join(sockets, await sync_to_async(make_user)("carol"))
    assert [(m["username"], m["online"]) for m in joined["members"]] == [
        ("alice", False),
        ("carol", True),
        ("mallory", True),
    ]


async def test_typing_in_a_room_reaches_others_not_the_sender(sockets, user, other_user):
    alice, _ = await join(sockets, user)
    bob, _ = await join(sockets, other_user)
    await alice.recv()
    await alice.send({"type": "typing"})
    assert await bob.recv() == {"type": "user_typing", "user_id": str(user.pk), "room_id": "lobby"}
    assert await alice.nothing()


async def test_typing_from_the_user_socket_reaches_the_room(sockets, user, other_user):
    bob, _ = await join(sockets, other_user)
    alice = await sockets(f"/ws/{user.pk}?token={token_for(user)}")
    await alice.recv()
    await sync_to_async(services.room_join)(room_name="lobby", user=user)
    await alice.send({"type": "typing", "room_id": "lobby"})
    assert await bob.recv() == {"type": "user_typing", "user_id": str(user.pk), "room_id": "lobby"}


async def test_path_of_another_user_closes_4403(sockets, user, other_user):
    ws = await sockets(f"/ws/room/lobby/{other_user.pk}?token={token_for(user)}")
    assert await ws.closed_with() == 4403


async def test_private_room_admits_members_only(sockets, user, other_user, private_room):
    outsider = await sockets(f"/ws/room/staff/{other_user.pk}?token={token_for(other_user)}")
    assert await outsider.closed_with() == 4403
    member, joined = await join(sockets, user, room="staff")
    assert [m["user_id"] for m in joined["members"]] == [str(user.pk)]


async def test_typing_into_a_private_room_from_outside_is_refused(sockets, other_user, private_room):
    ws = await sockets(f"/ws/{other_user.pk}?token={token_for(other_user)}")
    await ws.recv()
    await ws.send({"type": "typing", "room_id": "staff"})
    assert (await ws.recv())["code"] == "not_found"


async def test_ai_reply_streams_to_every_member_and_is_stored(sockets, user, other_user):
    alice, _ = await join(sockets, user)
    bob, _ = await join(sockets, other_user)
    await alice.recv()
    await alice.send({"type": "chat", "content": "@assistant what is up"})
    texts = {}
    for name, ws in (("alice", alice), ("bob", bob)):
        complete, before = await ws.recv_until("chat_complete")
        assert complete["room_id"] == "lobby" and complete["requested_by"] == str(user.pk)
        assert complete["stopped"] is False
        chunks = [f for f in before if f["type"] == "chat_chunk"]
        assert chunks and all(c["room_id"] == "lobby" and c["requested_by"] == str(user.pk) for c in chunks)
        texts[name] = "".join(c["content"] for c in chunks)
    assert texts["alice"] == texts["bob"] and "what is up" in texts["alice"]
    reply = await sync_to_async(RoomMessage.objects.get)(role="assistant")
    assert reply.content == texts["alice"] and reply.requested_by_id == user.pk and reply.model == "local-echo"


async def test_mentioning_a_model_by_name_picks_it(sockets, user):
    alice, _ = await join(sockets, user)
    await alice.send({"type": "chat", "content": "@local-echo say hi"})
    complete, _ = await alice.recv_until("chat_complete")
    assert complete["model"] == "local-echo"


async def test_only_the_requester_or_a_moderator_can_stop_a_room_reply(sockets, user, other_user, moderator):
    alice, _ = await join(sockets, user)
    bob, _ = await join(sockets, other_user)
    await alice.recv()
    long = " ".join(f"w{i}" for i in range(100))
    await alice.send({"type": "chat", "content": f"@assistant {long}"})
    await bob.recv_until("chat_chunk")
    await bob.send({"type": "stop"})
    denied, _ = await bob.recv_until("error")
    assert denied["code"] == "permission_denied"
    await alice.send({"type": "stop"})
    complete, _ = await bob.recv_until("chat_complete")
    assert complete["stopped"] is True
    reply = await sync_to_async(RoomMessage.objects.get)(role="assistant")
    assert reply.stopped and 0 < len(reply.content) < len(long)

    # A moderator may stop anyone's reply.
    await sync_to_async(services.room_join)(room_name="lobby", user=moderator)
    await sync_to_async(RoomMembership.objects.filter(user=moderator).update)(is_moderator=True)
    mod, _ = await join(sockets, moderator)
    await alice.send({"type": "chat", "content": f"@assistant {long}"})
    await mod.recv_until("chat_chunk")
    await mod.send({"type": "stop"})
    complete, _ = await mod.recv_until("chat_complete")
    assert complete["stopped"] is True


@override_settings(REALTIME_PRESENCE_TTL_SECONDS=0.2)
def test_presence_expires_without_heartbeats(db):
    """A socket whose process died stops counting once its heartbeat entry expires."""
    import time

    presence.touch("r", 1, "channel-a")
    presence.touch("r", 2, "channel-b")
    assert presence.online_user_ids("r") == {"1", "2"}
    time.sleep(0.3)
    presence.touch("r", 2, "channel-b")
    assert presence.online_user_ids("r") == {"2"}
    presence.leave("r", 2, "channel-b")
    assert presence.online_user_ids("r") == set()
