from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        from conversations import cache  # noqa: F401  (connects the cache's invalidation receiver)
