"""REST routes of the forum app, mounted under /api/ by config/urls.py."""

urlpatterns = []
