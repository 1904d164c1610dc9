from django.urls import path

from home import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("start/thema/<int:pk>/gelesen/", views.thread_read, name="start_thread_read"),
    path(
        "start/benachrichtigung/<int:pk>/gelesen/",
        views.notification_read,
        name="start_notification_read",
    ),
    path("start/raum/<str:slug>/gelesen/", views.room_read, name="start_room_read"),
]
