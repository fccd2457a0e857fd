from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        from accounts.exports import register_user_data
        from chatstudio import purging
        from conversations import cache  # noqa: F401  (connects the cache's invalidation receiver)
        from conversations.models import Conversation
        from conversations.serializers import conversation_payload
        from conversations.services import PURGE_TARGET

        purging.register(PURGE_TARGET)
        register_user_data(
            "conversations",
            lambda user: [conversation_payload(c) for c in Conversation.objects.owned_by(user).with_messages()],
        )
