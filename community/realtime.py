"""Channels group names and event types, defined once for the whole platform."""

# Event types sent through the channel layer (the ``type`` key names the
# consumer method that handles them: "notification.new" -> notification_new).
NOTIFICATION_NEW = "notification.new"


def user_group(user_id: int) -> str:
    """Every open socket of one member (notifications, presence of the bell)."""
    return f"user.{user_id}"
