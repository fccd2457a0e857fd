"""Search over a user's conversations: titles first, then message contents.

Case-insensitive substring semantics (`icontains`), so Chinese and other scripts without word
boundaries match. On PostgreSQL trigram GIN indexes on `UPPER(title)` and `UPPER(content)`
serve these LIKE queries (migration 0002); SQLite scans.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, Q

from conversations.models import Conversation, Message


@dataclass
class SearchHit:
    conversation: Conversation
    match_type: str
    matched_message: Message | None = None


def conversations_search(
    *,
    owner,
    query: str,
    limit: int,
    model: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> list[SearchHit]:
    """Up to `limit` hits: title matches (most recently updated first), then conversations
    whose messages match, each with its first matching message. Four queries whatever the size
    (the caller reads the hits' messages, `conversation_payloads`)."""
    scope = Conversation.objects.owned_by(owner)
    if model:
        scope = scope.filter(model=model)
    if created_from:
        scope = scope.filter(created_at__gte=created_from)
    if created_to:
        scope = scope.filter(created_at__lte=created_to)

    title_hits = list(
        scope.filter(title__icontains=query).order_by("-updated_at", "-pk").values_list("pk", flat=True)[:limit]
    )
    first_positions = (
        Message.objects.filter(conversation__in=scope.exclude(pk__in=title_hits), content__icontains=query)
        .values("conversation_id")
        .annotate(position=Min("position"))
        .order_by("-conversation__updated_at", "-conversation_id")[: limit - len(title_hits)]
    )
    message_positions = (
        {row["conversation_id"]: row["position"] for row in first_positions} if len(title_hits) < limit else {}
    )

    conversations = Conversation.objects.in_bulk([*title_hits, *message_positions])
    matched: dict[int, Message] = {}
    if message_positions:
        pairs = Q()
        for pk, position in message_positions.items():
            pairs |= Q(conversation_id=pk, position=position)
        for message in Message.objects.filter(pairs).order_by("pk"):
            matched.setdefault(message.conversation_id, message)
    hits = [SearchHit(conversations[pk], "title") for pk in title_hits]
    hits += [SearchHit(conversations[pk], "message", matched.get(pk)) for pk in message_positions]
    return hits
