"""Reads of the bell: a member's notifications, newest first, and the unread count."""

from django.db.models import QuerySet

from community.models import User
from notifications.models import Notification


def notification_list(*, member: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=member).order_by("-created_at", "-pk")


def notification_unread_count(*, member: User) -> int:
    """One COUNT on the partial index of unread rows (every page's header asks it)."""
    return Notification.objects.filter(recipient=member, read_at__isnull=True).count()
