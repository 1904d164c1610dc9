"""How long chat history is kept: ``CHAT_RETENTION_DAYS`` (0 = for ever), per room kind.

``manage.py purge_chat_history`` (cron, e.g. nightly) deletes older messages.
Rooms keep their ``last_seq`` and memberships their ``last_read_seq``, so seqs
are never reused and unread counts stay right; history and ``sync`` simply
start at the oldest message left (``seq > after`` / ``seq < before``), and a
client asking for purged seqs gets what is left.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chat.models import Message, RoomKind

BATCH_SIZE = 1000


def retention_days() -> dict[str, int]:
    """Days to keep per room kind; 0 keeps everything of that kind."""
    default = max(0, int(getattr(settings, "CHAT_RETENTION_DAYS", 0) or 0))
    by_kind = getattr(settings, "CHAT_RETENTION_DAYS_BY_KIND", {}) or {}
    return {kind: max(0, int(by_kind.get(kind, default))) for kind in RoomKind.values}


@transaction.atomic
def _delete_batch(ids: list[int]) -> int:
    deleted, _per_model = Message.objects.filter(pk__in=ids).delete()
    return deleted


def chat_history_purge(*, now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Delete messages older than the retention of their room's kind; count per kind.

    In batches, each in its own short transaction, so posting never waits long.
    """
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for kind, days in retention_days().items():
        if not days:
            continue
        old = Message.objects.filter(
            room__kind=kind, created_at__lt=now - dt.timedelta(days=days)
        ).order_by("pk")
        if dry_run:
            counts[kind] = old.count()
            continue
        total = 0
        while ids := list(old.values_list("pk", flat=True)[:BATCH_SIZE]):
            _delete_batch(ids)
            total += len(ids)
        counts[kind] = total
    return counts
