"""The bell's serializer: the API's rows and the payload of live ``notification.new`` events."""

from rest_framework import serializers

from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    """``text`` says what happened; a collapsed entry says how many (``display_text``)."""

    is_read = serializers.BooleanField(read_only=True)
    text = serializers.CharField(source="display_text", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "thread_key", "created_at", "is_read"]
        read_only_fields = fields


_created_at = serializers.DateTimeField()


def notification_payloads(notifications) -> list[dict]:
    """``NotificationSerializer(notifications, many=True).data`` for the live bell, made
    without DRF's per-field machinery: a reply can ring 1,600 bells at once
    (docs/performance.md). tests/notifications keeps both shapes identical."""
    return [
        {
            "id": n.pk,
            "kind": n.kind,
            "text": n.display_text,
            "url": n.url,
            "thread_key": n.thread_key,
            "created_at": _created_at.to_representation(n.created_at),
            "is_read": n.is_read,
        }
        for n in notifications
    ]
