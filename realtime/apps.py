from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from prometheus_client import REGISTRY

        from realtime import receivers  # noqa: F401  (connects the signal receivers)
        from realtime.metrics import OfflineQueueCollector

        if not getattr(RealtimeConfig, "_collector_registered", False):
            REGISTRY.register(OfflineQueueCollector())
            RealtimeConfig._collector_registered = True
