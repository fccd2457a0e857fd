"""The wire carries integer milliseconds since the epoch; the database carries datetimes."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z


def to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def now() -> datetime:
    """The current time truncated to milliseconds, so what is stored round-trips exactly."""
    return from_ms(to_ms(timezone.now()))
