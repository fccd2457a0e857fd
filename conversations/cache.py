"""Per-user cache of conversation reads, invalidated by bumping the user's version.

Every write path sends `conversations_changed` after commit, and the receiver here gives the
owner a new version, so the next read misses and recomputes: no key is ever scanned or
deleted, and the old entries expire on their own. The bump runs before the writer's response
leaves, so no client sees stale data after its own write.
"""

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.dispatch import receiver
from prometheus_client import Counter

from conversations.signals import conversations_changed

ENTRY_SECONDS = 300
# Outlives every entry; when it expires the next read picks a fresh random version, which is
# correct too (old entries become unreachable), so no version key lingers for ever.
VERSION_SECONDS = 24 * 3600
_MISSING = object()

cache_lookups = Counter(
    "chatstudio_cache_lookups_total", "Cached conversation reads by view and result.", ["view", "result"]
)


def _version_key(owner_id: int) -> str:
    return f"conversations:version:{owner_id}"


def user_version(owner_id: int) -> str:
    version = cache.get(_version_key(owner_id))
    if version is None:
        # A fresh random version, so entries written under an evicted version are never reused.
        version = uuid.uuid4().hex[:12]
        if not cache.add(_version_key(owner_id), version, timeout=VERSION_SECONDS):
            version = cache.get(_version_key(owner_id), version)
    return version


def bump_user_version(owner_id: int) -> None:
    cache.set(_version_key(owner_id), uuid.uuid4().hex[:12], timeout=VERSION_SECONDS)


@receiver(conversations_changed, dispatch_uid="conversations.cache.bump")
def _on_conversations_changed(sender, owner_id: int, **kwargs) -> None:
    bump_user_version(owner_id)


def cached_read(*, owner_id: int, view: str, params: str, compute: Callable[[], Any]) -> Any:
    """`compute()`'s result for this user, view and query string, from the cache when fresh."""
    digest = hashlib.sha256(params.encode()).hexdigest()[:24]
    key = f"conversations:{owner_id}:{user_version(owner_id)}:{view}:{digest}"
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        cache_lookups.labels(view=view, result="hit").inc()
        return value
    cache_lookups.labels(view=view, result="miss").inc()
    value = compute()
    cache.set(key, value, timeout=ENTRY_SECONDS)
    return value
