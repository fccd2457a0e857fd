from datetime import timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from chat.models import Usage
from conversations.stats import conversation_stats


def chat_stats(*, owner) -> dict:
    """Conversation totals plus, per model, the completions, tokens and cost from usage rows."""
    stats = conversation_stats(owner=owner)
    rows = (
        Usage.objects.filter(user=owner)
        .values("model")
        .annotate(
            completions=Count("pk"),
            input_tokens=Sum("input_tokens", default=0),
            output_tokens=Sum("output_tokens", default=0),
            cost=Sum("cost", default=0),
        )
        .order_by("model")
    )
    by_model = stats["by_model"]
    total_cost = 0.0
    for row in rows:
        entry = by_model.setdefault(row["model"], {"messages": 0, "tokens": 0})
        cost = round(float(row["cost"]), 6)
        entry.update(
            completions=row["completions"],
            input_tokens=row["input_tokens"],
            output_tokens=row["output_tokens"],
            cost=cost,
        )
        total_cost += cost
    for entry in by_model.values():
        entry.setdefault("completions", 0)
        entry.setdefault("input_tokens", 0)
        entry.setdefault("output_tokens", 0)
        entry.setdefault("cost", 0.0)
    stats["total_cost"] = round(total_cost, 6)
    return stats


def usage_by_day(*, owner, days: int) -> dict:
    """Tokens, cost and completions per UTC day and model over the last `days` days (today
    included), every day present even when empty."""
    end = timezone.now().date()
    start = end - timedelta(days=days - 1)
    rows = (
        Usage.objects.filter(user=owner, created_at__date__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values("day", "model")
        .annotate(
            completions=Count("pk"),
            input_tokens=Sum("input_tokens", default=0),
            output_tokens=Sum("output_tokens", default=0),
            cost=Sum("cost", default=0),
        )
        .order_by("day", "model")
    )
    by_day = {
        start + timedelta(days=i): {"date": (start + timedelta(days=i)).isoformat(), "by_model": {}}
        for i in range(days)
    }
    models: list[str] = []
    for row in rows:
        day = by_day.get(row["day"])
        if day is None:
            continue
        if row["model"] not in models:
            models.append(row["model"])
        day["by_model"][row["model"]] = {
            "completions": row["completions"],
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "tokens": row["input_tokens"] + row["output_tokens"],
            "cost": round(float(row["cost"]), 6),
        }
    series = []
    for day in by_day.values():
        entries = day["by_model"].values()
        day["tokens"] = sum(e["tokens"] for e in entries)
        day["cost"] = round(sum(e["cost"] for e in entries), 6)
        day["completions"] = sum(e["completions"] for e in entries)
        series.append(day)
    return {"start": start.isoformat(), "end": end.isoformat(), "models": sorted(models), "days": series}
