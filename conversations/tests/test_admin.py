import pytest

from conversations.models import Conversation
from conversations.signals import conversations_changed
from conversations.tests.factories import make_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, make_user):
    operator = make_user("operator", is_staff=True, is_superuser=True)
    client.force_login(operator)
    return client


def test_conversation_admin_lists_searches_and_filters(operator_client, user):
    make_conversation(user, "c1", title="Hiking plans", model="gpt-4")
    make_conversation(user, "c2", title="Tax forms", model="claude-3")

    listing = operator_client.get("/admin/conversations/conversation/?q=hiking")
    filtered = operator_client.get("/admin/conversations/conversation/?model=claude-3")

    assert listing.status_code == 200
    assert b"Hiking plans" in listing.content and b"Tax forms" not in listing.content
    assert b"Tax forms" in filtered.content and b"Hiking plans" not in filtered.content


def test_conversation_admin_shows_messages_inline(operator_client, user):
    conversation = make_conversation(user, "c1", messages=2)

    page = operator_client.get(f"/admin/conversations/conversation/{conversation.pk}/change/")

    assert page.status_code == 200
    assert b"message 1 of c1" in page.content


def test_deleting_in_the_admin_notifies_the_owner(operator_client, user, django_capture_on_commit_callbacks):
    conversation = make_conversation(user, "c1")
    received = []
    conversations_changed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="admin-test")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            operator_client.post(f"/admin/conversations/conversation/{conversation.pk}/delete/", {"post": "yes"})
    finally:
        conversations_changed.disconnect(dispatch_uid="admin-test")

    assert not Conversation.objects.exists()
    assert [(r["owner_id"], r["action"], r["conversation_ids"]) for r in received] == [(user.pk, "deleted", ["c1"])]


def test_user_admin_searches_by_email(operator_client, make_user):
    make_user("zed")

    page = operator_client.get("/admin/accounts/user/?q=zed@example.com")

    assert page.status_code == 200
    assert b"zed@example.com" in page.content
