"""WebSocket routes of the forum app, collected by config/routing.py."""

websocket_urlpatterns = []
