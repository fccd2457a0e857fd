"""`/ws/v1/conversations/{id}`: owner only, messages stored and answered by streaming."""

import pytest
from asgiref.sync import sync_to_async

from conversations import services as conversation_services
from conversations.models import Message
from realtime.tests.conftest import token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def conversation(user):
    return conversation_services.conversation_create(owner=user, data={"id": "conv_1", "title": "First"})


async def test_owner_message_is_stored_and_answered(sockets, user, conversation):
    ws = await sockets(f"/ws/v1/conversations/conv_1?token={token_for(user)}")
    assert (await ws.recv())["type"] == "ready"
    await ws.send({"type": "message", "content": "hello conversation"})
    complete, before = await ws.recv_until("chat_complete")
    text = "".join(f["content"] for f in before if f["type"] == "chat_chunk")
    assert all(f["conversation_id"] == "conv_1" for f in [*before, complete])
    stored = await sync_to_async(lambda: list(Message.objects.filter(conversation=conversation).in_order()))()
    assert [(m.role, m.content) for m in stored] == [("user", "hello conversation"), ("assistant", text)]
    assert complete["message_id"] == stored[1].public_id


async def test_other_users_and_missing_conversations_look_the_same_4404(sockets, other_user, conversation):
    theirs = await sockets(f"/ws/v1/conversations/conv_1?token={token_for(other_user)}")
    assert await theirs.closed_with() == 4404
    missing = await sockets(f"/ws/v1/conversations/conv_nope?token={token_for(other_user)}")
    assert await missing.closed_with() == 4404


async def test_only_this_conversations_frames_arrive(sockets, user, conversation):
    other = await sync_to_async(conversation_services.conversation_create)(owner=user, data={"id": "conv_2"})
    ws = await sockets(f"/ws/v1/conversations/conv_1?token={token_for(user)}")
    await ws.recv()
    await sync_to_async(conversation_services.conversation_update)(conversation=other, data={"title": "x"})
    assert await ws.nothing()
    await sync_to_async(conversation_services.conversation_update)(conversation=conversation, data={"title": "y"})
    frame = await ws.recv()
    assert frame["type"] == "conversation_updated" and frame["conversation"]["title"] == "y"


async def test_stop_on_the_conversation_socket(sockets, user, conversation):
    ws = await sockets(f"/ws/v1/conversations/conv_1?token={token_for(user)}")
    await ws.recv()
    await ws.send({"type": "message", "content": " ".join(f"w{i}" for i in range(100))})
    await ws.recv_until("chat_chunk")
    await ws.send({"type": "stop"})
    complete, _ = await ws.recv_until("chat_complete")
    assert complete["stopped"] is True
