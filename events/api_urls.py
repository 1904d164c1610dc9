"""REST routes of the events app, mounted under /api/ by config/urls.py."""

urlpatterns = []
