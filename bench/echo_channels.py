"""A bare Channels echo consumer with the project's settings (same Redis channel layer), for
daphne: the ceiling our socket stack (auth, sequencing, limits) is compared with."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatstudio.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402


class EchoConsumer(AsyncWebsocketConsumer):
    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data, bytes_data=bytes_data)


application = ProtocolTypeRouter({"websocket": URLRouter([re_path(r"", EchoConsumer.as_asgi())])})
