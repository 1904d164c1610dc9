"""REST routes of the chat app, mounted under /api/ by config/urls.py."""

urlpatterns = []
