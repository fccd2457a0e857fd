"""Search over a user's conversations: titles first, then message contents.

Case-insensitive substring semantics (`icontains`), so Chinese and other scripts without word
boundaries match. On PostgreSQL trigram GIN indexes on `UPPER(title)` and `UPPER(content)`
serve these LIKE queries (migration 0002); SQLite scans.

Message hits are the most recently updated conversations with a matching message, and the
cheap way to find them depends on how common the term is. Reading every match through the
trigram index costs a heap recheck per match (a 1% term in a million messages: 11,000 of them,
~90 ms). So a probe reads up to `PROBE_MATCHES` matches: fewer means those are all of them, and
the hits come from them. More means the term is frequent, and a walk over the owner's
`WALK_WINDOW * limit` most recently updated conversations, reading each one's messages in order
up to its first match (`message_conversation_order`, migration 0003), finds the hits for a few
milliseconds when at least 1 in `WALK_WINDOW` of them matches. Otherwise (a term frequent in a
few old conversations) every match is read as for a rare term: the walk is bounded, so the worst
case costs the probe and the window more than reading all matches, never a walk over everything.

The walk tests `STRPOS(UPPER(content), UPPER(query)) > 0`, the same predicate as `icontains`
(Django's LIKE escapes its wildcards), in a form the trigram index cannot serve: PostgreSQL's
estimate of a term's frequency comes from a 100-entry histogram and swings between analyses,
and an estimate of 112 matches instead of 11,000 made it plan a trigram bitmap scan per walked
conversation (305 ms for the 1% term).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import StrIndex, Upper

from conversations.models import Conversation, Message

# Chosen by measurement on 1,000,000 messages (docs/performance.md, "Search, this session").
PROBE_MATCHES = 200
WALK_WINDOW = 2


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
    whose messages match, each with its first matching message. At most four queries whatever
    the number of hits, six when a frequent term is missing from most recent conversations; the
    caller reads the hits' messages (`conversation_payloads`)."""
    scope = Conversation.objects.owned_by(owner)
    if model:
        scope = scope.filter(model=model)
    if created_from:
        scope = scope.filter(created_at__gte=created_from)
    if created_to:
        scope = scope.filter(created_at__lte=created_to)

    title_hits = list(scope.filter(title__icontains=query).order_by("-updated_at", "-pk")[:limit])
    hits = [SearchHit(c, "title") for c in title_hits]
    if len(title_hits) < limit:
        scope = scope.exclude(pk__in=[c.pk for c in title_hits])
        hits += _message_hits(scope, query, limit - len(title_hits))
    return hits


def _message_hits(scope, query: str, limit: int) -> list[SearchHit]:
    """The first `limit` conversations of `scope`, most recently updated first, with a message
    matching `query`, each with its first matching message (by position, then id)."""
    matches = Message.objects.filter(conversation__in=scope, content__icontains=query).values_list(
        "conversation_id", "position", "pk"
    )
    found = list(matches[:PROBE_MATCHES])
    if len(found) == PROBE_MATCHES:
        walked = _walk_recent_conversations(scope, query, limit)
        if len(walked) == limit:
            return _with_matched_messages(walked)
        found = list(matches)
    first_matches: dict[int, tuple[int, int]] = {}
    for conversation_id, position, pk in found:
        first_matches[conversation_id] = min((position, pk), first_matches.get(conversation_id, (position, pk)))
    conversations = scope.filter(pk__in=first_matches).order_by("-updated_at", "-pk")[:limit]
    return _with_matched_messages([(c, first_matches[c.pk][1]) for c in conversations])


def _with_matched_messages(hits: list[tuple[Conversation, int]]) -> list[SearchHit]:
    matched = Message.objects.in_bulk([pk for _, pk in hits])
    return [SearchHit(c, "message", matched.get(pk)) for c, pk in hits]


def _walk_recent_conversations(scope, query: str, limit: int) -> list[tuple[Conversation, int]]:
    """Up to `limit` conversations among the `WALK_WINDOW * limit` most recently updated of
    `scope`, with the id of their first message matching `query`. All `limit` of them when the
    term is in at least 1 in `WALK_WINDOW` of those conversations."""
    in_content = Message.objects.annotate(at=StrIndex(Upper("content"), Upper(Value(query)))).filter(
        conversation=OuterRef("pk"), at__gt=0
    )
    window = scope.order_by("-updated_at", "-pk").values("pk")[: WALK_WINDOW * limit]
    conversations = (
        scope.filter(pk__in=Subquery(window))
        .annotate(first_match=Subquery(in_content.order_by("position", "pk").values("pk")[:1]))
        .filter(first_match__isnull=False)
        .order_by("-updated_at", "-pk")[:limit]
    )
    return [(c, c.first_match) for c in conversations]
