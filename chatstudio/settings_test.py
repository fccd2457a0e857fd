"""The test suite's settings: production settings isolated from other runs sharing the machine.

Each run gets its own Redis key prefix (cache, channel layer, throttles), so concurrent runs and
leftovers of earlier ones never meet, and nothing needs flushing.
"""

import uuid

from chatstudio.settings import *  # noqa: F403
from chatstudio.settings import CACHES, CHANNEL_LAYERS, REDIS_URL

TEST_RUN_PREFIX = f"chatstudio-test-{uuid.uuid4().hex[:10]}"

if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = TEST_RUN_PREFIX
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"{TEST_RUN_PREFIX}:asgi"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: threads and server processes in the tests then wait on
    # SQLite's lock instead of failing with "table is locked".
    DATABASES["default"]["TEST"] = {"NAME": f"/tmp/{TEST_RUN_PREFIX}.sqlite3"}  # noqa: F405
