from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from prometheus_client import REGISTRY

        from accounts.exports import register_user_data
        from chatstudio import purging
        from realtime import (
            receivers,  # noqa: F401  (connects the signal receivers)
            services,
        )
        from realtime.metrics import OfflineQueueCollector
        from realtime.models import PrivateMessage, RoomMessage

        register_user_data("socket_messages", services.user_socket_messages)
        purging.register(
            purging.PurgeTarget(
                name="room_messages",
                help="Room messages created before the cut-off.",
                count=lambda cutoff: RoomMessage.objects.filter(created_at__lt=cutoff).count(),
                delete_batch=services.room_messages_purge,
            )
        )
        purging.register(
            purging.PurgeTarget(
                name="private_messages",
                help="Delivered private messages created before the cut-off (undelivered ones are kept).",
                count=lambda cutoff: PrivateMessage.objects.filter(
                    created_at__lt=cutoff, delivered_at__isnull=False
                ).count(),
                delete_batch=services.private_messages_purge,
            )
        )

        if not getattr(RealtimeConfig, "_collector_registered", False):
            REGISTRY.register(OfflineQueueCollector())
            RealtimeConfig._collector_registered = True
