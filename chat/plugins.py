"""Chat plugin hooks.

A plugin is a class (or module) named by dotted path in `settings.CHAT_PLUGINS`, with any of
these methods, sync or async, each taking keyword arguments:

- `conversation_created(*, owner_id, conversation_ids)`
- `message_stored(*, user, conversation_id, message_id, role)`
- `before_completion(*, user, provider, model, messages)`
- `after_completion(*, user, provider, model, input_tokens, output_tokens, cost, latency_ms,
  first_chunk_ms, estimated, stopped, conversation_id)`

Hooks observe; they cannot change or stop a request. Each call is cut off after
`CHAT_PLUGIN_TIMEOUT` seconds, and whatever it raises is logged, never passed to the client.
"""

import asyncio
import concurrent.futures
import json
import logging
from functools import cache

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

HOOKS = ("conversation_created", "message_stored", "before_completion", "after_completion")

# Sync callers (signals, sync services) run hooks here so a slow hook can be abandoned.
_executor = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="chat-plugin")


@cache
def _load(paths: tuple[str, ...]) -> list:
    plugins = []
    for path in paths:
        try:
            target = import_string(path)
            plugins.append(target() if isinstance(target, type) else target)
        except Exception:
            logger.exception("Chat plugin %s cannot be loaded; skipping it", path)
    return plugins


def plugins() -> list:
    return _load(tuple(settings.CHAT_PLUGINS))


def _handlers(hook: str) -> list:
    if hook not in HOOKS:
        raise ValueError(f"unknown chat hook {hook}")
    return [(plugin, getattr(plugin, hook)) for plugin in plugins() if callable(getattr(plugin, hook, None))]


async def run_hook(hook: str, **payload) -> None:
    """Runs every plugin's `hook` concurrently, each with the timeout; never raises."""
    handlers = _handlers(hook)
    if not handlers:
        return

    async def call(plugin, handler):
        try:
            if asyncio.iscoroutinefunction(handler):
                await asyncio.wait_for(handler(**payload), settings.CHAT_PLUGIN_TIMEOUT)
            else:
                await asyncio.wait_for(
                    sync_to_async(handler, thread_sensitive=False)(**payload), settings.CHAT_PLUGIN_TIMEOUT
                )
        except TimeoutError:
            logger.warning("Chat plugin %s.%s timed out", type(plugin).__name__, hook)
        except Exception:
            logger.exception("Chat plugin %s.%s failed", type(plugin).__name__, hook)

    await asyncio.gather(*(call(plugin, handler) for plugin, handler in handlers))


def run_hook_sync(hook: str, **payload) -> None:
    """`run_hook` for sync code: each plugin in a worker thread, waited for at most the timeout."""
    for plugin, handler in _handlers(hook):
        if asyncio.iscoroutinefunction(handler):
            future = _executor.submit(asyncio.run, handler(**payload))
        else:
            future = _executor.submit(handler, **payload)
        try:
            future.result(timeout=settings.CHAT_PLUGIN_TIMEOUT)
        except concurrent.futures.TimeoutError:
            logger.warning("Chat plugin %s.%s timed out", type(plugin).__name__, hook)
        except Exception:
            logger.exception("Chat plugin %s.%s failed", type(plugin).__name__, hook)


class UsageLogPlugin:
    """The shipped plugin: one JSON line per completion on the `chat.usage` logger, for log-based
    analytics (tokens, cost and latency by user and model) without querying the database."""

    usage_logger = logging.getLogger("chat.usage")

    def after_completion(self, *, user, provider, model, input_tokens, output_tokens, cost, latency_ms,
                         first_chunk_ms, estimated, stopped, conversation_id, **_ignored) -> None:  # fmt: skip
        self.usage_logger.info(
            json.dumps(
                {
                    "event": "chat_completion",
                    "user_id": str(user.pk),
                    "provider": provider,
                    "model": model,
                    "input_tokens": input_tokens,
                    "output_tokens": output_tokens,
                    "cost": str(cost),
                    "latency_ms": latency_ms,
                    "first_chunk_ms": first_chunk_ms,
                    "estimated": estimated,
                    "stopped": stopped,
                    "conversation_id": conversation_id,
                },
                sort_keys=True,
            )
        )
