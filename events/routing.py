"""WebSocket routes of the events app, collected by config/routing.py."""

websocket_urlpatterns = []
