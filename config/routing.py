"""WebSocket routes of every app, collected in one list for config/asgi.py."""

from chat.routing import websocket_urlpatterns as chat_routes
from community.routing import websocket_urlpatterns as community_routes
from events.routing import websocket_urlpatterns as events_routes
from forum.routing import websocket_urlpatterns as forum_routes

websocket_urlpatterns = [*community_routes, *forum_routes, *chat_routes, *events_routes]
