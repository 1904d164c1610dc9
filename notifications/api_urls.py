from django.urls import path

from notifications import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="api_notifications"),
    path(
        "notifications/read/",
        api.NotificationReadView.as_view(),
        name="api_notifications_read",
    ),
    path("push/", api.PushConfigView.as_view(), name="api_push"),
    path(
        "push/subscriptions/",
        api.PushSubscriptionListView.as_view(),
        name="api_push_subscriptions",
    ),
    path(
        "push/subscriptions/change/",
        api.PushSubscriptionChangeView.as_view(),
        name="api_push_subscription_change",
    ),
    path(
        "push/subscriptions/<int:pk>/",
        api.PushSubscriptionDetailView.as_view(),
        name="api_push_subscription",
    ),
]
