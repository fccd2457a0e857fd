"""WebSocket routes (SPEC section 3). More specific paths first: `/ws/{user_id}` is a catch-all."""

from django.urls import re_path

from realtime.consumers.conversation import ConversationConsumer
from realtime.consumers.fallback import UnknownPathConsumer
from realtime.consumers.private import PrivateConsumer
from realtime.consumers.room import RoomConsumer
from realtime.consumers.user import UserConsumer

websocket_urlpatterns = [
    re_path(r"^ws/room/(?P<room_id>[A-Za-z0-9_.:-]{1,100})/(?P<user_id>[^/]{1,20})/?$", RoomConsumer.as_asgi()),
    re_path(r"^ws/private/(?P<from_user>[^/]{1,20})/(?P<to_user>[^/]{1,20})/?$", PrivateConsumer.as_asgi()),
    re_path(r"^ws/v1/conversations/(?P<conversation_id>[^/]{1,100})/?$", ConversationConsumer.as_asgi()),
    re_path(r"^ws/(?P<user_id>[^/]{1,20})/?$", UserConsumer.as_asgi()),
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
