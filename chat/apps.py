from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self):
        from accounts.exports import register_user_data
        from conversations.signals import conversations_changed

        conversations_changed.connect(_conversation_hooks, dispatch_uid="chat-plugin-conversation-hooks")
        register_user_data("chat_usage", _usage_export)


def _usage_export(user) -> list[dict]:
    from chat.models import Usage

    return [
        {
            "provider": row.provider,
            "model": row.model,
            "input_tokens": row.input_tokens,
            "output_tokens": row.output_tokens,
            "cost": str(row.cost),
            "created_at": row.created_at.isoformat(),
        }
        for row in Usage.objects.filter(user=user).order_by("pk")
    ]


def _conversation_hooks(sender, *, owner_id, action, conversation_ids, **kwargs):
    """Feeds the `conversation_created` plugin hook from the conversations app's after-commit signal."""
    if action == "created":
        from chat.plugins import run_hook_sync

        run_hook_sync("conversation_created", owner_id=owner_id, conversation_ids=conversation_ids)
