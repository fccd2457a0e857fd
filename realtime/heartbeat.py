"""One heartbeat per process for all of its sockets.

Every open socket must keep its channel-layer groups (a group join that failed while Redis was
down is retried) and renew its room presence entry before it expires (`realtime.presence`). A
task per socket did this at 10,000 sockets for a fifth of a core and a task's memory each; here
each process's sockets register once they have joined, and one task walks them every
`REALTIME_HEARTBEAT_SECONDS`, a slice at a time spread over the interval, renewing each slice's
presence entries in one Redis round trip.
"""

import asyncio
import collections
import logging
import math

from asgiref.sync import sync_to_async
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings

from realtime import presence

logger = logging.getLogger(__name__)

SLICE = 500


class _Registry:
    """The sockets of one event loop (daphne runs one; tests run a loop per test)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.sockets: dict = {}  # insertion-ordered set of consumers
        self.renewing = asyncio.Lock()
        self.task = loop.create_task(self._run())

    async def _run(self) -> None:
        while True:
            sockets = list(self.sockets)
            steps = max(1, math.ceil(len(sockets) / SLICE))
            for start in range(0, max(len(sockets), 1), SLICE):
                await asyncio.sleep(settings.REALTIME_HEARTBEAT_SECONDS / steps)
                async with self.renewing:
                    await renew([s for s in sockets[start : start + SLICE] if s in self.sockets])


_registries: dict[asyncio.AbstractEventLoop, _Registry] = {}


def register(consumer) -> None:
    """Keeps the socket's groups and presence alive until `unregister`."""
    loop = asyncio.get_running_loop()
    for closed in [other for other in _registries if other.is_closed()]:
        del _registries[closed]
    registry = _registries.get(loop)
    if registry is None:
        registry = _registries[loop] = _Registry(loop)
    registry.sockets[consumer] = None


async def unregister(consumer) -> None:
    """Stops renewing the socket. Returns once no renewal that may include it is in flight, so a
    `group_discard` or presence `leave` that follows cannot be undone by one."""
    loop = asyncio.get_running_loop()
    registry = _registries.get(loop)
    if registry is None or registry.sockets.pop(consumer, False) is False:
        return
    async with registry.renewing:
        pass
    if not registry.sockets and _registries.get(loop) is registry:  # no socket left: no task either
        registry.task.cancel()
        del _registries[loop]


async def renew(sockets: list) -> None:
    """Re-joins the sockets' groups and renews their presence entries (failures are logged: the
    next beat tries again)."""
    if not sockets:
        return
    members: dict[str, list[str]] = collections.defaultdict(list)
    for socket in sockets:
        for group in socket.joined_groups:
            members[group].append(socket.channel_name)
    try:
        await groups_add(get_channel_layer(), members)
    except Exception as exc:
        logger.warning("Heartbeat could not re-join groups: %s", exc.__class__.__name__)
    entries = [entry for socket in sockets if (entry := socket.presence_entry()) is not None]
    if entries:
        try:
            await sync_to_async(presence.touch_many, thread_sensitive=False)(entries)
        except Exception as exc:
            logger.warning("Heartbeat could not renew presence: %s", exc.__class__.__name__)


async def groups_add(layer: BaseChannelLayer, members: dict[str, list[str]]) -> None:
    """`group_add` of every channel in `members[group]`. On the Redis pub/sub layer this is local
    bookkeeping plus a SUBSCRIBE only for a group the process is not yet subscribed to (one
    that failed while Redis was down); redis-py re-subscribes the others when it reconnects."""
    for group, channels in members.items():
        for channel in channels:
            await layer.group_add(group, channel)
