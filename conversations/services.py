"""Writes to conversations and messages. Every door (REST, sockets, admin, commands) calls these."""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chatstudio import purging
from chatstudio.exceptions import BadRequest, Conflict
from conversations import timestamps
from conversations.models import Conversation, Message
from conversations.signals import conversations_changed

# Path segments that name routes beside /api/conversations/{id}, so no conversation may use them.
RESERVED_IDS = frozenset({"batch", "paginated"})

_MESSAGE_FIELDS = ["role", "content", "model", "tokens", "stopped", "position", "timestamp"]


def new_conversation_id() -> str:
    return f"conv_{uuid.uuid4().hex}"


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _notify_on_commit(
    *, owner_id: int, action: str, conversation_ids: list[str], conversations: list[Conversation] | None = None
) -> None:
    if conversation_ids:
        transaction.on_commit(
            lambda: conversations_changed.send_robust(
                sender=Conversation,
                owner_id=owner_id,
                action=action,
                conversation_ids=conversation_ids,
                conversations=conversations,
            )
        )


def _build_message(*, conversation: Conversation, position: int, data: dict) -> Message:
    return Message(
        conversation=conversation,
        public_id=data.get("id") or new_message_id(),
        role=data["role"],
        content=data.get("content", ""),
        model=data.get("model") or "",
        tokens=data.get("tokens"),
        stopped=data.get("stopped", False),
        position=position,
        timestamp=timestamps.from_ms(data["timestamp"]) if data.get("timestamp") is not None else timestamps.now(),
    )


def _check_unique_message_ids(messages: Iterable[dict]) -> None:
    ids = [m["id"] for m in messages if m.get("id")]
    if len(ids) != len(set(ids)):
        raise Conflict(_("Two messages in one conversation share an id."), code="duplicate_message_id")


def check_batch_size(count: int) -> None:
    if count > settings.BATCH_CREATE_MAX:
        raise BadRequest(
            _("At most %(max)d conversations per batch.") % {"max": settings.BATCH_CREATE_MAX}, code="batch_too_large"
        )


def _build_conversation(*, owner, data: dict) -> Conversation:
    moment = timestamps.now()
    created_at = timestamps.from_ms(data["createdAt"]) if data.get("createdAt") is not None else moment
    updated_at = timestamps.from_ms(data["updatedAt"]) if data.get("updatedAt") is not None else created_at
    return Conversation(
        owner=owner,
        public_id=data.get("id") or new_conversation_id(),
        title=data.get("title") or _("New conversation"),
        model=data.get("model") or settings.DEFAULT_CHAT_MODEL,
        system_prompt=data.get("systemPrompt") or "",
        message_count=len(data.get("messages", [])),
        created_at=created_at,
        updated_at=max(updated_at, created_at),
    )


@transaction.atomic
def conversations_batch_create(*, owner, conversations: list[dict]) -> list[Conversation]:
    """Creates all the conversations with their messages, or none of them. Each returned
    conversation holds its new messages, in order, in `created_messages`.

    Pushes `conversation_created` to the owner's sockets after commit.
    """
    check_batch_size(len(conversations))
    for data in conversations:
        _check_unique_message_ids(data.get("messages", []))
    built = [_build_conversation(owner=owner, data=data) for data in conversations]
    ids = [c.public_id for c in built]
    if len(ids) != len(set(ids)):
        raise Conflict(_("Two conversations in the batch share an id."), code="duplicate_id")
    try:
        with transaction.atomic():
            created = Conversation.objects.bulk_create(built)
    except IntegrityError:
        taken = Conversation.objects.owned_by(owner).filter(public_id__in=ids).values_list("public_id", flat=True)
        raise Conflict(
            _("A conversation with this id already exists: %(ids)s") % {"ids": ", ".join(sorted(taken))},
            code="duplicate_id",
        ) from None
    for conversation, data in zip(created, conversations, strict=True):
        conversation.created_messages = [
            _build_message(conversation=conversation, position=position, data=message)
            for position, message in enumerate(data.get("messages", []))
        ]
    Message.objects.bulk_create(message for conversation in created for message in conversation.created_messages)
    _notify_on_commit(owner_id=owner.pk, action="created", conversation_ids=ids, conversations=created)
    return created


def conversation_create(*, owner, data: dict) -> Conversation:
    """Creates one conversation, optionally with messages; 409 when the owner already has its id.

    Pushes `conversation_created` to the owner's sockets after commit.
    """
    return conversations_batch_create(owner=owner, conversations=[data])[0]


def _replace_messages(*, conversation: Conversation, messages: list[dict]) -> None:
    _check_unique_message_ids(messages)
    existing = {m.public_id: m for m in conversation.messages.all()}
    incoming = [{**m, "id": m.get("id") or new_message_id()} for m in messages]
    keep_ids = {m["id"] for m in incoming}
    conversation.messages.exclude(public_id__in=keep_ids).delete()
    changed, added = [], []
    for position, data in enumerate(incoming):
        current = existing.get(data["id"])
        if current is None:
            added.append(_build_message(conversation=conversation, position=position, data=data))
            continue
        replacement = _build_message(conversation=conversation, position=position, data=data)
        if data.get("timestamp") is None:
            replacement.timestamp = current.timestamp
        if any(getattr(current, field) != getattr(replacement, field) for field in _MESSAGE_FIELDS):
            for field in _MESSAGE_FIELDS:
                setattr(current, field, getattr(replacement, field))
            changed.append(current)
    Message.objects.bulk_update(changed, _MESSAGE_FIELDS)
    Message.objects.bulk_create(added)
    conversation.message_count = len(incoming)


@transaction.atomic
def conversation_update(*, conversation: Conversation, data: dict) -> Conversation:
    """Updates the given fields; a given `messages` list replaces the stored one (absent
    messages removed, new ones added, changed ones updated).

    Pushes `conversation_updated` to the owner's sockets after commit.
    """
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    fields = {"title": "title", "model": "model", "systemPrompt": "system_prompt"}
    for wire_name, attribute in fields.items():
        if wire_name in data:
            setattr(locked, attribute, data[wire_name] or "")
    if "messages" in data:
        _replace_messages(conversation=locked, messages=data["messages"])
    locked.updated_at = max(timestamps.now(), locked.created_at)
    locked.save(update_fields=["title", "model", "system_prompt", "message_count", "updated_at"])
    _notify_on_commit(owner_id=locked.owner_id, action="updated", conversation_ids=[locked.public_id])
    return locked


@transaction.atomic
def conversation_delete(*, conversation: Conversation) -> None:
    """Deletes the conversation and its messages. Pushes `conversation_deleted` after commit."""
    conversation.delete()
    _notify_on_commit(owner_id=conversation.owner_id, action="deleted", conversation_ids=[conversation.public_id])


@transaction.atomic
def conversations_batch_delete(*, owner, ids: list[str]) -> int:
    """Deletes those of `ids` that `owner` owns and returns how many; never touches another user's.

    Pushes `conversation_deleted` for each after commit.
    """
    owned = Conversation.objects.owned_by(owner).filter(public_id__in=set(ids))
    deleted_ids = list(owned.values_list("public_id", flat=True))
    owned.delete()
    _notify_on_commit(owner_id=owner.pk, action="deleted", conversation_ids=deleted_ids)
    return len(deleted_ids)


@transaction.atomic
def message_append(*, conversation: Conversation, data: dict) -> Message:
    """Appends one message at the end and bumps the conversation's `updatedAt`.

    Pushes `conversation_updated` to the owner's sockets after commit.
    """
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if data.get("id") and locked.messages.filter(public_id=data["id"]).exists():
        raise Conflict(_("A message with this id already exists in the conversation."), code="duplicate_message_id")
    message = _build_message(conversation=locked, position=locked.message_count, data=data)
    message.save(force_insert=True)
    locked.message_count += 1
    locked.updated_at = max(timestamps.now(), locked.updated_at)
    locked.save(update_fields=["message_count", "updated_at"])
    _notify_on_commit(owner_id=locked.owner_id, action="updated", conversation_ids=[locked.public_id])
    return message


@transaction.atomic
def conversation_edited_in_admin(*, conversation: Conversation, created: bool) -> None:
    """Recounts the messages an operator edited inline. Pushes the change to the owner after commit."""
    conversation.message_count = conversation.messages.count()
    conversation.save(update_fields=["message_count"])
    _notify_on_commit(
        owner_id=conversation.owner_id,
        action="created" if created else "updated",
        conversation_ids=[conversation.public_id],
    )


@transaction.atomic
def conversations_purge(*, cutoff: datetime, limit: int) -> int:
    """Deletes up to `limit` of the conversations last updated before `cutoff` (oldest first),
    with their messages, and returns how many. Pushes `conversation_deleted` to each owner after commit.
    """
    batch = list(
        Conversation.objects.filter(updated_at__lt=cutoff)
        .order_by("updated_at", "pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", "owner_id", "public_id")[:limit]
    )
    if not batch:
        return 0
    Message.objects.filter(conversation_id__in=[pk for pk, _owner, _id in batch]).delete()
    Conversation.objects.filter(pk__in=[pk for pk, _owner, _id in batch]).delete()
    by_owner: dict[int, list[str]] = defaultdict(list)
    for _pk, owner_id, public_id in batch:
        by_owner[owner_id].append(public_id)
    for owner_id, public_ids in by_owner.items():
        _notify_on_commit(owner_id=owner_id, action="deleted", conversation_ids=public_ids)
    return len(batch)


def _purge_count(cutoff: datetime) -> int:
    return Conversation.objects.filter(updated_at__lt=cutoff).count()


def _purge_dependents(cutoff: datetime) -> dict[str, int]:
    return {"messages": Message.objects.filter(conversation__updated_at__lt=cutoff).count()}


PURGE_TARGET = purging.PurgeTarget(
    name="conversations",
    help="Conversations whose updatedAt is older than the cut-off, with their messages.",
    count=_purge_count,
    delete_batch=conversations_purge,
    dependents=_purge_dependents,
)
