"""Export and import of conversations: JSON Lines in the API's wire format, and Markdown.

One JSON Lines record is `conversation_payload()` (what `GET /api/conversations/{id}` answers)
plus `username`, the owner's username. Import reads the same records back, validates each with
the API's own input serializer and creates it through the services, so an import obeys the
same rules as `POST /api/conversations`.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from rest_framework.exceptions import APIException

from accounts.models import User
from chatstudio.exceptions import Conflict
from conversations import services
from conversations.models import Conversation, ConversationQuerySet, Message
from conversations.serializers import ConversationCreateSerializer, conversation_payload

EXPORT_CHUNK = 200


def conversations_for_export(*, username: str | None = None) -> ConversationQuerySet:
    """Every conversation (or one user's), by owner then creation, with owner and messages."""
    scope = Conversation.objects.all()
    if username is not None:
        scope = scope.filter(owner__username=username)
    return scope.select_related("owner").with_messages().order_by("owner__username", "created_at", "pk")


def iter_conversations(queryset: ConversationQuerySet, *, chunk_size: int = EXPORT_CHUNK) -> Iterator[Conversation]:
    # iterator() with a chunk_size runs the messages prefetch once per chunk: memory stays
    # bounded by one chunk of conversations whatever the table size.
    return queryset.iterator(chunk_size=chunk_size)


def export_record(conversation: Conversation) -> dict:
    return {**conversation_payload(conversation), "username": conversation.owner.username}


def jsonl_line(conversation: Conversation) -> str:
    return json.dumps(export_record(conversation), ensure_ascii=False, separators=(",", ":")) + "\n"


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _message_heading(message: Message) -> str:
    extras = [
        part for part in (message.model, f"{message.tokens} tokens" if message.tokens is not None else "") if part
    ]
    if message.stopped:
        extras.append("stopped")
    detail = f" ({', '.join(extras)})" if extras else ""
    return f"**{message.role}**{detail} · {_when(message.timestamp)}"


def markdown_transcript(conversation: Conversation) -> str:
    """A readable transcript; message contents are written as the user wrote them."""
    lines = [
        f"# {conversation.title}",
        "",
        f"- id: `{conversation.public_id}`",
        f"- owner: {conversation.owner.username}",
        f"- model: {conversation.model}",
        f"- created: {_when(conversation.created_at)}",
        f"- updated: {_when(conversation.updated_at)}",
        f"- messages: {conversation.message_count}",
        "",
    ]
    if conversation.system_prompt:
        lines += ["> **system prompt**", *[f"> {line}" for line in conversation.system_prompt.splitlines()], ""]
    for message in conversation.messages.all():
        lines += [_message_heading(message), "", message.content, ""]
    lines += ["---", ""]
    return "\n".join(lines) + "\n"


@dataclass
class ImportReport:
    created: int = 0
    skipped_existing: int = 0
    failed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def fail(self, line_number: int, reason: str) -> str:
        self.failed += 1
        self.errors.append((line_number, reason))
        return f"line {line_number}: {reason}"


def _flatten_errors(detail, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        return [m for key, value in detail.items() for m in _flatten_errors(value, f"{prefix}{key}.")]
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [f"{prefix.rstrip('.')}: {item}" if prefix else str(item) for item in detail]
        return [m for index, item in enumerate(detail) if item for m in _flatten_errors(item, f"{prefix}{index}.")]
    return [f"{prefix.rstrip('.')}: {detail}" if prefix else str(detail)]


@transaction.atomic
def conversation_import(*, owner: User, data: dict) -> Conversation | None:
    """Creates the validated conversation with its messages unless `owner` already has its id
    (then None: an import never touches an existing conversation, the owner's or anyone's).

    Pushes `conversation_created` to the owner's sockets after commit.
    """
    if Conversation.objects.owned_by(owner).filter(public_id=data["id"]).exists():
        return None
    try:
        return services.conversations_batch_create(owner=owner, conversations=[data])[0]
    except Conflict as error:
        if error.get_codes() == "duplicate_id":  # created concurrently since the check above
            return None
        raise


class Importer:
    """Reads JSON Lines records one by one; every record is created whole or reported and skipped."""

    def __init__(self, *, into: User | None = None) -> None:
        self.into = into
        self.report = ImportReport()
        self._owners: dict[str, User | None] = {}

    def _owner_for(self, record: dict) -> User | None:
        if self.into is not None:
            return self.into
        username = record.get("username")
        if not isinstance(username, str) or not username:
            return None
        if username not in self._owners:
            self._owners[username] = User.objects.filter(username=username).first()
        return self._owners[username]

    def import_line(self, line_number: int, raw: bytes) -> str | None:
        """Imports one line; returns the failure to report, or None."""
        if not raw.strip():
            return None
        try:
            record = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return self.report.fail(line_number, f"not valid JSON ({error})")
        if not isinstance(record, dict):
            return self.report.fail(line_number, "not a JSON object")
        if not record.get("id"):
            return self.report.fail(line_number, "id: a record needs an id, so a second import can recognise it")
        serializer = ConversationCreateSerializer(data=record)
        if not serializer.is_valid():
            return self.report.fail(line_number, "; ".join(_flatten_errors(serializer.errors)))
        owner = self._owner_for(record)
        if owner is None:
            return self.report.fail(line_number, f"unknown user {record.get('username')!r} (create it or use --user)")
        try:
            created = conversation_import(owner=owner, data=serializer.validated_data)
        except APIException as error:
            return self.report.fail(line_number, "; ".join(_flatten_errors(error.detail)))
        if created is None:
            self.report.skipped_existing += 1
        else:
            self.report.created += 1
        return None
