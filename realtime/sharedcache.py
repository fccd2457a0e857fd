"""The default cache as one object for the whole process, for the socket layer.

Django's `cache` proxy (and `get_redis_connection`) hands out one cache object per async
context, and every socket runs in a context of its own: each socket that touched the cache kept
its own cache object and, on Redis, its own redis-py client (about 13 KB per socket, a fifth of an
idle socket's memory). The backends we run, django-redis and local memory, are safe to share
between threads and tasks (redis-py clients share a connection pool).
"""

from django.core.cache import BaseCache, caches
from django.core.signals import setting_changed
from django.dispatch import receiver

_shared: BaseCache | None = None


def cache() -> BaseCache:
    global _shared
    if _shared is None:
        _shared = caches.create_connection("default")
    return _shared


def uses_redis() -> bool:
    return cache().__class__.__module__.startswith("django_redis")


def redis_client():
    """The redis-py client behind the shared cache (only when `uses_redis()`)."""
    return cache().client.get_client(write=True)


@receiver(setting_changed)
def _forget_on_settings_change(*, setting: str, **kwargs) -> None:
    global _shared
    if setting == "CACHES":
        _shared = None
