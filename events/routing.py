"""WebSocket routes of the events app, collected by config/routing.py."""

from django.urls import path

from events.consumers import EventSeatsConsumer

websocket_urlpatterns = [
    path("ws/events/<int:event_id>/", EventSeatsConsumer.as_asgi()),
]
