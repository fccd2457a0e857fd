from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self):
        from conversations.signals import conversations_changed

        conversations_changed.connect(_conversation_hooks, dispatch_uid="chat-plugin-conversation-hooks")


def _conversation_hooks(sender, *, owner_id, action, conversation_ids, **kwargs):
    """Feeds the `conversation_created` plugin hook from the conversations app's after-commit signal."""
    if action == "created":
        from chat.plugins import run_hook_sync

        run_hook_sync("conversation_created", owner_id=owner_id, conversation_ids=conversation_ids)
