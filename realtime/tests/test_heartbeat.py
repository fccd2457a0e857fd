"""The process heartbeat's group writer, against the real channel layer (Redis when configured)."""

import pytest
from channels.layers import get_channel_layer

from realtime import heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


async def test_groups_add_joins_every_channel_of_every_group():
    layer = get_channel_layer()
    first, second, third = [await layer.new_channel() for _ in range(3)]

    await heartbeat.groups_add(layer, {"hb.one": [first, second], "hb.two": [third]})

    await layer.group_send("hb.one", {"type": "ping.frame", "n": 1})
    await layer.group_send("hb.two", {"type": "ping.frame", "n": 2})
    assert (await layer.receive(first))["n"] == 1
    assert (await layer.receive(second))["n"] == 1
    assert (await layer.receive(third))["n"] == 2
    for group, channel in (("hb.one", first), ("hb.one", second), ("hb.two", third)):
        await layer.group_discard(group, channel)


async def test_groups_add_again_keeps_one_membership():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await heartbeat.groups_add(layer, {"hb.again": [channel]})
    await heartbeat.groups_add(layer, {"hb.again": [channel]})

    await layer.group_send("hb.again", {"type": "ping.frame", "n": 1})
    await layer.group_send("hb.again", {"type": "ping.frame", "n": 2})
    assert [(await layer.receive(channel))["n"] for _ in range(2)] == [1, 2]
    await layer.group_discard("hb.again", channel)
