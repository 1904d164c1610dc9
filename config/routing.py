"""WebSocket routes of every app, collected in one list for config/asgi.py."""

from chat.routing import websocket_urlpatterns as chat_routes
from events.routing import websocket_urlpatterns as events_routes
from forum.routing import websocket_urlpatterns as forum_routes
from notifications.routing import websocket_urlpatterns as notifications_routes

websocket_urlpatterns = [*notifications_routes, *forum_routes, *chat_routes, *events_routes]
