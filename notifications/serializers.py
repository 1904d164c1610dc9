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
