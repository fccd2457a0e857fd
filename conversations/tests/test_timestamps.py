from datetime import timedelta

import pytest
from django.db import connection

from conversations import timestamps
from conversations.models import Message
from conversations.serializers import conversation_payloads
from conversations.tests.factories import make_conversation

pytestmark = pytest.mark.django_db

MOMENTS_MS = [0, 1, 999, 1_697_467_200_123, 1_999_999_999_999, timestamps.MAX_MS]


def test_message_timestamps_read_by_the_database_match_the_wire_format(user):
    conversation = make_conversation(user, "c1", messages=len(MOMENTS_MS))
    for message, ms in zip(conversation.messages.order_by("position"), MOMENTS_MS, strict=True):
        message.timestamp = timestamps.from_ms(ms)
        message.save(update_fields=["timestamp"])

    payload = conversation_payloads([conversation])[0]

    assert [m["timestamp"] for m in payload["messages"]] == MOMENTS_MS


@pytest.mark.postgres
def test_sub_millisecond_timestamps_are_truncated_as_to_ms_does(user):
    conversation = make_conversation(user, "c1", messages=1)
    moment = timestamps.from_ms(1_697_467_200_123) + timedelta(microseconds=999)
    Message.objects.filter(conversation=conversation).update(timestamp=moment)
    assert connection.vendor == "postgresql"

    payload = conversation_payloads([conversation])[0]

    assert payload["messages"][0]["timestamp"] == timestamps.to_ms(moment) == 1_697_467_200_123
