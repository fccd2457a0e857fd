from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        from chatstudio import purging
        from conversations import cache  # noqa: F401  (connects the cache's invalidation receiver)
        from conversations.services import PURGE_TARGET

        purging.register(PURGE_TARGET)
