"""Who is in a room, right across processes and after a process dies.

Each open room socket holds an entry `<user_id>:<channel_name>` that expires unless its heartbeat
renews it. On Redis (whenever the cache is django-redis) entries are members of a sorted set
scored by their expiry time, so every process sees the same room and a dead process's sockets
vanish after `REALTIME_PRESENCE_TTL_SECONDS`. The embedded default has one process, so a dict
in memory does the same job.
"""

import threading
import time

from django.conf import settings
from django.core.cache import cache


def _uses_redis() -> bool:
    return cache.__class__.__module__.startswith("django_redis")


def _key(room_name: str) -> str:
    return cache.make_key(f"rt:presence:{room_name}")


_local: dict[str, dict[str, float]] = {}
_local_lock = threading.Lock()


def touch(room_name: str, user_id: int | str, channel_name: str) -> None:
    """Marks the socket present for another TTL."""
    member = f"{user_id}:{channel_name}"
    expires = time.time() + settings.REALTIME_PRESENCE_TTL_SECONDS
    if _uses_redis():
        from django_redis import get_redis_connection

        client = get_redis_connection("default")
        key = _key(room_name)
        pipe = client.pipeline()
        pipe.zadd(key, {member: expires})
        pipe.zremrangebyscore(key, "-inf", time.time())
        pipe.expire(key, settings.REALTIME_PRESENCE_TTL_SECONDS * 4)
        pipe.execute()
        return
    with _local_lock:
        _local.setdefault(room_name, {})[member] = expires


def leave(room_name: str, user_id: int | str, channel_name: str) -> None:
    member = f"{user_id}:{channel_name}"
    if _uses_redis():
        from django_redis import get_redis_connection

        get_redis_connection("default").zrem(_key(room_name), member)
        return
    with _local_lock:
        _local.get(room_name, {}).pop(member, None)


def online_user_ids(room_name: str) -> set[str]:
    """Users with at least one live socket in the room."""
    now = time.time()
    if _uses_redis():
        from django_redis import get_redis_connection

        members = get_redis_connection("default").zrangebyscore(_key(room_name), now, "+inf")
        entries = [m.decode() if isinstance(m, bytes) else m for m in members]
    else:
        with _local_lock:
            room = _local.get(room_name, {})
            for member in [m for m, expires in room.items() if expires < now]:
                del room[member]
            entries = list(room)
    return {entry.split(":", 1)[0] for entry in entries}


def is_online(room_name: str, user_id: int | str) -> bool:
    return str(user_id) in online_user_ids(room_name)
