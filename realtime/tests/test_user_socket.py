"""`/ws/{user_id}`: streaming chat, stop, disconnect mid-reply, pushes, typing, resuming."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from conversations import services as conversation_services
from conversations.models import Message
from realtime.tests.conftest import token_for

pytestmark = pytest.mark.django_db(transaction=True)

LONG_PROMPT = " ".join(f"word{i}" for i in range(80))


@pytest.fixture
def conversation(user):
    return conversation_services.conversation_create(owner=user, data={"id": "conv_1", "title": "First"})


async def open_user(sockets, user, query: str = ""):
    ws = await sockets(f"/ws/{user.pk}?token={token_for(user)}{query}")
    assert (await ws.recv())["type"] == "ready"
    return ws


async def stored_messages(conversation) -> list[Message]:
    return await sync_to_async(lambda: list(Message.objects.filter(conversation=conversation).in_order()))()


async def wait_for(predicate, timeout: float = 5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = await predicate()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_chat_streams_chunks_then_complete(sockets, user):
    ws = await open_user(sockets, user)
    await ws.send({"type": "chat", "content": "hello there"})
    started = await ws.recv()
    assert started["type"] == "chat_started"
    complete, before = await ws.recv_until("chat_complete")
    chunks = [f for f in before if f["type"] == "chat_chunk"]
    assert len(chunks) > 3
    text = "".join(c["content"] for c in chunks)
    assert "local development model" in text and text.endswith("hello there")
    assert complete["message_id"] is None and complete["stopped"] is False and complete["model"] == "local-echo"
    seqs = [started["seq"], *(f["seq"] for f in before), complete["seq"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert {f["reply_id"] for f in [started, *chunks, complete]} == {started["reply_id"]}


async def test_chat_with_conversation_stores_both_messages(sockets, user, conversation):
    ws = await open_user(sockets, user)
    await ws.send({"type": "chat", "content": "store me", "conversation_id": "conv_1"})
    complete, before = await ws.recv_until("chat_complete")
    text = "".join(f["content"] for f in before if f["type"] == "chat_chunk")
    stored = await stored_messages(conversation)
    assert [(m.role, m.content, m.stopped) for m in stored] == [("user", "store me", False), ("assistant", text, False)]
    assert complete["message_id"] == stored[1].public_id
    assert complete["conversation_id"] == "conv_1"
    # The conversation changed twice (user message, reply): pushed to this socket as well.
    assert sum(f["type"] == "conversation_updated" for f in before) >= 1


async def test_chat_in_another_users_conversation_is_not_found(sockets, other_user, conversation):
    ws = await open_user(sockets, other_user)
    await ws.send({"type": "chat", "content": "hi", "conversation_id": "conv_1"})
    assert (await ws.recv())["code"] == "not_found"
    assert await stored_messages(conversation) == []


async def test_unknown_model_answers_chat_error(sockets, user):
    ws = await open_user(sockets, user)
    await ws.send({"type": "chat", "content": "hi", "model": "nonexistent-model"})
    error, _ = await ws.recv_until("chat_error")
    assert error["code"] == "unknown_model"


async def test_stop_mid_stream_stores_partial_reply_marked_stopped(sockets, user, conversation):
    ws = await open_user(sockets, user)
    await ws.send({"type": "chat", "content": LONG_PROMPT, "conversation_id": "conv_1"})
    await ws.recv_until("chat_chunk")
    await ws.send({"type": "stop"})
    complete, before = await ws.recv_until("chat_complete")
    assert complete["stopped"] is True
    stored = await stored_messages(conversation)
    assert stored[-1].role == "assistant" and stored[-1].stopped is True
    assert complete["message_id"] == stored[-1].public_id
    assert 0 < len(stored[-1].content) < len(LONG_PROMPT)


async def test_disconnect_mid_stream_still_completes_and_stores(sockets, user, conversation):
    ws = await open_user(sockets, user)
    await ws.send({"type": "chat", "content": "short and sweet", "conversation_id": "conv_1"})
    await ws.recv_until("chat_chunk")
    await ws.close()

    async def stored_reply():
        stored = await stored_messages(conversation)
        return stored[-1] if stored and stored[-1].role == "assistant" else None

    reply = await wait_for(stored_reply)
    assert reply.stopped is False and reply.content.endswith("short and sweet")


async def test_conversation_changes_reach_every_socket_of_the_owner_only(sockets, user, other_user):
    tab1, tab2 = await open_user(sockets, user), await open_user(sockets, user)
    stranger = await open_user(sockets, other_user)
    created = await sync_to_async(conversation_services.conversation_create)(
        owner=user, data={"id": "conv_9", "title": "Nine"}
    )
    for tab in (tab1, tab2):
        frame = await tab.recv()
        assert frame["type"] == "conversation_created" and frame["conversation_id"] == "conv_9"
        assert frame["conversation"]["title"] == "Nine"
    await sync_to_async(conversation_services.conversation_update)(conversation=created, data={"title": "Renamed"})
    for tab in (tab1, tab2):
        frame = await tab.recv()
        assert frame["type"] == "conversation_updated" and frame["conversation"]["title"] == "Renamed"
    await sync_to_async(conversation_services.conversation_delete)(conversation=created)
    for tab in (tab1, tab2):
        assert await tab.recv() == {"type": "conversation_deleted", "conversation_id": "conv_9", "seq": tab.last_seq}
    assert await stranger.nothing()


async def test_batch_create_sends_one_numbered_frame_per_conversation_and_resumes(sockets, user):
    tab = await open_user(sockets, user)
    await sync_to_async(conversation_services.conversations_batch_create)(
        owner=user, conversations=[{"id": f"b{n}", "title": f"Batch {n}"} for n in range(5)]
    )
    frames = [await tab.recv() for _ in range(5)]
    assert [f["conversation_id"] for f in frames] == [f"b{n}" for n in range(5)]
    assert all(f["type"] == "conversation_created" for f in frames)
    seqs = [f["seq"] for f in frames]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    resumed = await sockets(f"/ws/{user.pk}?token={token_for(user)}&last_seq={seqs[1]}")
    assert (await resumed.recv())["type"] == "ready"
    assert [(await resumed.recv())["seq"] for _ in range(3)] == seqs[2:]
    assert (await resumed.recv())["type"] == "resumed"


async def test_typing_reaches_the_other_party_not_the_sender(sockets, user, other_user):
    alice, bob = await open_user(sockets, user), await open_user(sockets, other_user)
    await alice.send({"type": "typing", "to": str(other_user.pk)})
    frame = await bob.recv()
    assert frame["type"] == "user_typing" and frame["user_id"] == str(user.pk)
    assert await alice.nothing()


async def test_resume_with_last_seq_mid_reply_loses_nothing(sockets, user, conversation):
    ws = await open_user(sockets, user)
    await ws.send({"type": "chat", "content": LONG_PROMPT, "conversation_id": "conv_1"})
    first_part = []
    while len([f for f in first_part if f["type"] == "chat_chunk"]) < 3:
        first_part.append(await ws.recv())
    last_seq = first_part[-1]["seq"]
    await ws.close()
    await asyncio.sleep(0.3)  # the reply goes on while nobody listens

    again = await sockets(f"/ws/{user.pk}?token={token_for(user)}&last_seq={last_seq}")
    ready = await again.recv()
    assert ready == {"type": "ready", "user_id": str(user.pk), "seq": last_seq}
    resumed, replayed = await again.recv_until("resumed")
    assert resumed["complete"] is True and resumed["replayed"] == len(replayed)
    assert all(f["seq"] > last_seq for f in replayed)
    complete, live = await again.recv_until("chat_complete")
    frames = first_part + replayed + live + [complete]
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    text = "".join(f["content"] for f in frames if f["type"] == "chat_chunk")
    stored = await stored_messages(conversation)
    assert stored[-1].content == text and stored[-1].stopped is False


async def test_invalid_last_seq_answers_error(sockets, user):
    ws = await sockets(f"/ws/{user.pk}?token={token_for(user)}&last_seq=abc")
    assert (await ws.recv())["type"] == "ready"
    assert (await ws.recv())["code"] == "invalid_last_seq"
