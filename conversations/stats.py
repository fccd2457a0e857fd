from django.db.models import Count, Sum

from conversations.models import Conversation, Message


def conversation_stats(*, owner) -> dict:
    """Totals over the owner's conversations and messages, and tokens by the model that wrote them."""
    totals = Conversation.objects.owned_by(owner).aggregate(
        conversations=Count("pk"), messages=Sum("message_count", default=0)
    )
    by_model_rows = (
        Message.objects.filter(conversation__owner=owner)
        .values("model")
        .annotate(messages=Count("pk"), tokens=Sum("tokens", default=0))
        .order_by("model")
    )
    by_model = {
        row["model"] or "unknown": {"messages": row["messages"], "tokens": row["tokens"]} for row in by_model_rows
    }
    conversations = totals["conversations"]
    return {
        "total_conversations": conversations,
        "total_messages": totals["messages"],
        "total_tokens": sum(row["tokens"] for row in by_model.values()),
        "average_messages_per_conversation": round(totals["messages"] / conversations, 2) if conversations else 0.0,
        "by_model": by_model,
    }
