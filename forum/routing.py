"""WebSocket routes of the forum app, collected by config/routing.py."""

from django.urls import path

from forum.consumers import CategoryConsumer, ThreadConsumer

websocket_urlpatterns = [
    path("ws/forum/threads/<int:thread_id>/", ThreadConsumer.as_asgi()),
    path("ws/forum/categories/<slug:slug>/", CategoryConsumer.as_asgi()),
]
