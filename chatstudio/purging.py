"""What `manage.py purge_data` may delete: each app registers its old-data kinds here.

An app adds a target in its `AppConfig.ready()`:

    purging.register(PurgeTarget(
        name="room_messages",
        help="Room messages by created time.",
        count=lambda cutoff: RoomMessage.objects.filter(created_at__lt=cutoff).count(),
        delete_batch=services.room_messages_purge,
    ))

`delete_batch(cutoff=..., limit=...)` deletes at most `limit` of the rows older than `cutoff`
in one transaction, sends whatever events its app's services send on delete, and returns how
many it deleted; the command calls it until it returns 0. Batches keep each transaction and
its locks short on a large table.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PurgeTarget:
    name: str
    help: str
    count: Callable[[datetime], int]
    delete_batch: Callable[..., int]
    # Rows that go with the counted ones (a conversation's messages), for the --dry-run report.
    dependents: Callable[[datetime], dict[str, int]] | None = None


_targets: dict[str, PurgeTarget] = {}


def register(target: PurgeTarget) -> None:
    if target.name in _targets and _targets[target.name] != target:
        raise ValueError(f"A purge target named {target.name!r} is already registered.")
    _targets[target.name] = target


def targets() -> dict[str, PurgeTarget]:
    return dict(_targets)
