"""The project's settings exactly, with one more URL: the framework ceiling's canned view."""

from chatstudio.settings import *  # noqa: F403

ROOT_URLCONF = "bench.ceiling_urls"
