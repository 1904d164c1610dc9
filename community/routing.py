"""WebSocket routes of the community app, collected by config/routing.py."""

from django.urls import path

from community.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
