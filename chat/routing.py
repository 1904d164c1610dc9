"""WebSocket routes of the chat app, collected by config/routing.py."""

websocket_urlpatterns = []
