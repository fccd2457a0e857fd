"""Who is in a room, right across processes and after a process dies.

Each open room socket holds an entry `<user_id>:<channel_name>` that expires unless the process's
heartbeat renews it (`realtime.heartbeat`). On Redis (whenever the cache is django-redis) entries
are members of a sorted set scored by their expiry time, so every process sees the same room and a
dead process's sockets vanish after `REALTIME_PRESENCE_TTL_SECONDS`. The embedded default has one
process, so a dict in memory does the same job.
"""

import collections
import math
import threading
import time

from django.conf import settings

from realtime.sharedcache import cache, redis_client, uses_redis


def _key(room_name: str) -> str:
    return cache().make_key(f"rt:presence:{room_name}")


_local: dict[str, dict[str, float]] = {}
_local_lock = threading.Lock()


def touch(room_name: str, user_id: int | str, channel_name: str) -> None:
    """Marks the socket present for another TTL."""
    touch_many([(room_name, user_id, channel_name)])


def touch_many(entries: list[tuple[str, int | str, str]]) -> None:
    """`touch` for many sockets `(room_name, user_id, channel_name)`: one Redis round trip, one
    sorted-set write per room."""
    now = time.time()
    expires = now + settings.REALTIME_PRESENCE_TTL_SECONDS
    by_room: dict[str, dict[str, float]] = collections.defaultdict(dict)
    for room_name, user_id, channel_name in entries:
        by_room[room_name][f"{user_id}:{channel_name}"] = expires
    if uses_redis():
        pipe = redis_client().pipeline(transaction=False)
        for room_name, members in by_room.items():
            key = _key(room_name)
            pipe.zadd(key, members)
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.expire(key, math.ceil(settings.REALTIME_PRESENCE_TTL_SECONDS * 4))
        pipe.execute()
        return
    with _local_lock:
        for room_name, members in by_room.items():
            _local.setdefault(room_name, {}).update(members)


def leave(room_name: str, user_id: int | str, channel_name: str) -> None:
    member = f"{user_id}:{channel_name}"
    if uses_redis():
        redis_client().zrem(_key(room_name), member)
        return
    with _local_lock:
        _local.get(room_name, {}).pop(member, None)


def online_user_ids(room_name: str) -> set[str]:
    """Users with at least one live socket in the room."""
    now = time.time()
    if uses_redis():
        members = redis_client().zrangebyscore(_key(room_name), now, "+inf")
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
