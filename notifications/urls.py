from django.urls import path

from notifications import views

urlpatterns = [
    path("benachrichtigungen/", views.notification_list, name="notifications"),
    path(
        "benachrichtigungen/<int:pk>/oeffnen/",
        views.notification_open,
        name="notification_open",
    ),
    path(
        "benachrichtigungen/gelesen/",
        views.notifications_read,
        name="notifications_read",
    ),
    path(
        "benachrichtigungen/einstellungen/",
        views.notification_settings,
        name="notification_settings",
    ),
]
