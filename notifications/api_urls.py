from django.urls import path

from notifications import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="api_notifications"),
    path(
        "notifications/read/",
        api.NotificationReadView.as_view(),
        name="api_notifications_read",
    ),
]
