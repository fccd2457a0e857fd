"""Service endpoints: `/`, `/health` and `/ready`. No secrets in any of them."""

import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import User
from conversations.models import Conversation
from realtime.connections import open_socket_count

logger = logging.getLogger(__name__)


def check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_cache() -> str:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)
    return "ok"


async def _ping_channel_layer() -> None:
    # A send to a group nobody is in: on Redis a real PUBLISH, which fails while Redis is down.
    await get_channel_layer().group_send("health.check", {"type": "health.check"})


def check_channel_layer() -> str:
    async_to_sync(_ping_channel_layer)()
    return "ok"


CHECKS = {"database": check_database, "cache": check_cache, "channel_layer": check_channel_layer}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure of a dependency makes the service unhealthy
            logger.warning("Health check %s failed: %s", name, exc.__class__.__name__)
            results[name] = f"error: {exc.__class__.__name__}"
    return results


@require_GET
def root(request):
    return JsonResponse(
        {
            "name": "Chat Studio API",
            "version": settings.VERSION,
            "status": "running",
            "endpoints": {
                "auth": "/api/auth",
                "chat": "/api/chat",
                "conversations": "/api/conversations",
                "search": "/api/search",
                "stats": "/api/stats",
                "websocket": "/ws/{user_id}",
                "docs": "/docs",
                "openapi": "/api/openapi.json",
                "asyncapi": "/api/asyncapi.json",
                "console": "/console/",
                "health": "/health",
            },
        }
    )


@require_GET
def health(request):
    checks = run_checks()
    healthy = all(result == "ok" for result in checks.values())
    body = {
        "status": "healthy" if healthy else "unhealthy",
        "timestamp": timezone.now().isoformat(),
        "active_connections": open_socket_count(),
        "checks": checks,
    }
    if checks["database"] == "ok":
        body["total_users"] = User.objects.count()
        body["total_conversations"] = Conversation.objects.count()
    if not healthy:
        body["failing"] = [name for name, result in checks.items() if result != "ok"]
    return JsonResponse(body, status=200 if healthy else 503)


def migrations_pending() -> bool:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


@require_GET
def ready(request):
    checks = run_checks()
    problems = [name for name, result in checks.items() if result != "ok"]
    if not problems and migrations_pending():
        problems.append("migrations")
    if problems:
        return JsonResponse({"ready": False, "version": settings.VERSION, "failing": problems}, status=503)
    return JsonResponse({"ready": True, "version": settings.VERSION})
