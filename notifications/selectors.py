"""Reads of the bell: a member's notifications, newest first, and the unread counts.

For the bell, its page and API, and for other apps' pages (the start page's
"mentions and replies"): ``unread_notifications``.
"""

from collections.abc import Collection

from django.db.models import Count, QuerySet

from community.models import User
from notifications.models import Notification


def notification_list(*, member: User) -> QuerySet[Notification]:
    """All of the member's entries, newest (latest event) first."""
    return Notification.objects.filter(recipient=member).order_by("-created_at", "-pk")


def unread_notifications(*, member: User, kinds: Collection[str] | None = None):
    """The member's unread entries, newest first; ``kinds`` narrows them
    (e.g. ``("forum.mention", "chat.mention", "forum.reply")``). Slice it."""
    rows = notification_list(member=member).filter(read_at__isnull=True)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return rows.select_related("actor")


def notification_unread_count(*, member: User) -> int:
    """One COUNT on the partial index of unread rows (every page's header asks it)."""
    return Notification.objects.filter(recipient=member, read_at__isnull=True).count()


def notification_unread_counts(*, member_ids: Collection[int]) -> dict[int, int]:
    """The unread count of many members in one query (members without any: absent)."""
    if not member_ids:
        return {}
    return dict(
        Notification.objects.filter(recipient_id__in=list(member_ids), read_at__isnull=True)
        .order_by()
        .values_list("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    )
