"""The stack's own ceiling: a Channels consumer that only re-broadcasts.

No authentication, no storage, no validation: every text frame goes to the
room's group and every group event goes out to the socket as it is. Same
daphne and Redis as the chat, so ``bench/chat_load.py`` can compare the two in
one run. Its channel layer is the default one (channels_redis's core layer),
or with ``BARE_CHANNEL_LAYER=chat_rooms`` the layer the chat's rooms use
(channels_redis's pub/sub layer, settings.CHANNEL_LAYERS).

    DJANGO_SETTINGS_MODULE=bench.chat_settings daphne bench.bare_consumer:application
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.chat_settings")
django.setup()

from channels.consumer import get_handler_name  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from config.runtime import format_websocket_options_lazily, settle_heap  # noqa: E402


class BareConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = os.environ.get("BARE_CHANNEL_LAYER", "default")

    async def dispatch(self, message):
        # As the chat's consumer: no hop to the database thread before every event.
        await getattr(self, get_handler_name(message))(message)

    async def connect(self):
        self.group = "bare." + self.scope["url_route"]["kwargs"]["room"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is not None:
            await self.channel_layer.group_send(self.group, {"type": "relay", "text": text_data})

    async def relay(self, event):
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {"websocket": URLRouter([re_path(r"^ws/bare/(?P<room>[-\w]+)/$", BareConsumer.as_asgi())])}
)

# As config/asgi.py: the same garbage-collector settings and the same WebSocket
# handshake for both stacks.
format_websocket_options_lazily()
settle_heap()
