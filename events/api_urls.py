"""REST routes of the events app, mounted under /api/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from events import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("events", api.EventViewSet, basename="event")

urlpatterns = [
    # The contract names this one without a trailing slash.
    path("events/<int:pk>/ics", api.EventIcsView.as_view(), name="api_event_ics"),
    *router.urls,
]
