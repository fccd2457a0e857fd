"""The per-user daily token budget: reserve before calling a provider, settle after.

Each step is one conditional UPDATE on the user's row for the day, so parallel requests
cannot overspend: the database serialises them on that row.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException

from chat.models import TokenBudgetDay


class BudgetExceeded(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Daily token budget exhausted."
    default_code = "token_budget_exceeded"

    def __init__(self, detail, wait: float):
        super().__init__(detail)
        self.wait = wait


@dataclass(frozen=True)
class Reservation:
    user_id: int
    day: date
    tokens: int


def _today() -> date:
    return timezone.now().astimezone(UTC).date()


def _seconds_to_midnight() -> float:
    now = timezone.now().astimezone(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=UTC)
    return (midnight - now).total_seconds()


def budget_reserve(*, user, tokens: int) -> Reservation | None:
    """Reserves `tokens` of today's budget; None when budgets are off; 429 when it would overspend."""
    limit = settings.CHAT_DAILY_TOKEN_BUDGET
    if not limit:
        return None
    day = _today()
    if not TokenBudgetDay.objects.filter(user=user, day=day).exists():
        try:
            with transaction.atomic():
                TokenBudgetDay.objects.create(user=user, day=day)
        except IntegrityError:
            pass  # created by a parallel request
    reserved = TokenBudgetDay.objects.filter(user=user, day=day, used__lte=limit - tokens - F("reserved")).update(
        reserved=F("reserved") + tokens
    )
    if not reserved:
        row = TokenBudgetDay.objects.get(user=user, day=day)
        raise BudgetExceeded(
            _(
                "Daily token budget exhausted: this request needs up to %(need)d tokens, and %(left)d of "
                "%(limit)d are left today (UTC). Lower max_tokens or try again tomorrow."
            )
            % {"need": tokens, "left": max(0, limit - row.used - row.reserved), "limit": limit},
            wait=_seconds_to_midnight(),
        )
    return Reservation(user_id=user.pk, day=day, tokens=tokens)


def budget_settle(*, reservation: Reservation | None, used_tokens: int) -> None:
    """Replaces the reservation with the tokens really used (0 releases it)."""
    if reservation is None:
        return
    TokenBudgetDay.objects.filter(user_id=reservation.user_id, day=reservation.day).update(
        reserved=F("reserved") - reservation.tokens, used=F("used") + used_tokens
    )
