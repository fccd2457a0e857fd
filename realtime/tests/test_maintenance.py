"""Socket messages in the maintenance paths: purge_data and the user's data export."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from realtime import services
from realtime.models import PrivateMessage, RoomMessage

pytestmark = pytest.mark.django_db


def purge(**options) -> str:
    out = StringIO()
    call_command("purge_data", older_than=30, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def socket_history(user, other_user):
    room, _membership = services.room_join(room_name="lobby", user=user)
    old_post = services.room_message_post(room=room, author=user, content="old news")
    services.room_message_post(room=room, author=user, content="fresh news")
    read, _new = services.private_message_send(sender=user, recipient=other_user, content="seen", message_id="p1")
    unread, _new = services.private_message_send(sender=user, recipient=other_user, content="unseen", message_id="p2")
    services.private_messages_ack(recipient=other_user, message_ids=["p1"])
    long_ago = timezone.now() - timedelta(days=60)
    RoomMessage.objects.filter(pk=old_post.pk).update(created_at=long_ago)
    PrivateMessage.objects.filter(pk__in=[read.pk, unread.pk]).update(created_at=long_ago)


def test_purge_removes_old_room_messages_and_delivered_private_messages_only(socket_history):
    dry_run = purge(dry_run=True)
    assert "room_messages: would delete 1" in dry_run
    assert "private_messages: would delete 1" in dry_run

    purge(only=["room_messages", "private_messages"])

    assert list(RoomMessage.objects.values_list("content", flat=True)) == ["fresh news"]
    assert list(PrivateMessage.objects.values_list("content", flat=True)) == ["unseen"]


def test_the_data_export_holds_the_socket_messages_the_user_sent(socket_history, user_api, other_api):
    mine = user_api.get("/api/auth/me/export").json()["socket_messages"]
    theirs = other_api.get("/api/auth/me/export").json()["socket_messages"]

    assert [m["content"] for m in mine["room_messages"]] == ["old news", "fresh news"]
    assert [m["content"] for m in mine["private_messages"]] == ["seen", "unseen"]
    assert theirs == {"room_messages": [], "private_messages": []}
