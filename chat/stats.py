from django.db.models import Count, Sum

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
