"""WebSocket routes of the chat app, collected by config/routing.py."""

from django.urls import re_path

from chat.consumers import ChatConsumer

# Any slug reaches the consumer, so that an unknown room is a clean 4404.
websocket_urlpatterns = [
    re_path(r"^ws/chat/(?P<slug>[^/]+)/$", ChatConsumer.as_asgi()),
]
