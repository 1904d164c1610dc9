"""Notifications (the bell; shared by forum, chat and events) and their e-mails."""

from collections.abc import Iterable
from itertools import groupby

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.models import EmailFrequency, User
from core import emails, realtime
from notifications.models import Notification
from notifications.serializers import NotificationSerializer


def _notification_deliver(notification_id: int) -> None:
    """After commit: ring the bell and, for "immediately", mail once per thread."""
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None:
        return
    realtime.group_send(
        realtime.user_group(notification.recipient_id),
        {
            "type": realtime.NOTIFICATION_NEW,
            "notification": NotificationSerializer(notification).data,
        },
    )
    recipient = notification.recipient
    if recipient.email_notifications != EmailFrequency.IMMEDIATELY:
        return
    # One mail per unread conversation: while an earlier mail of the same
    # thread is unread, later notifications join the bell, not the inbox.
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    already_mailed = (
        notification.thread_key
        and Notification.objects.filter(
            recipient=recipient,
            thread_key=notification.thread_key,
            read_at__isnull=True,
            emailed_at__isnull=False,
        )
        .exclude(pk=notification.pk)
        .exists()
    )
    if not claimed or already_mailed:
        return
    with translation.override(settings.LANGUAGE_CODE):
        emails.send(
            to=recipient.email,
            template="notifications/email/notification",
            context={"member": recipient, "notification": notification},
        )


@transaction.atomic
def notification_create(
    *,
    recipient: User,
    kind: str,
    text: str,
    url: str,
    thread_key: str = "",
    thread_title: str = "",
    actor: User | None = None,
    mailed_elsewhere: bool = False,
):
    """Tell a member about something; nobody is notified of their own doing.

    The bell rings and the e-mail (if the member wants it immediately) leaves
    only once the transaction has committed. ``mailed_elsewhere``: the caller
    sends its own e-mail for this, so neither an immediate mail nor a digest
    repeats it.
    """
    if not recipient.is_active or (actor is not None and actor.pk == recipient.pk):
        return None
    notification = Notification.objects.create(
        recipient=recipient,
        actor=actor,
        kind=kind[:40],
        text=text[:300],
        url=url[:500],
        thread_key=thread_key[:100],
        thread_title=thread_title[:200],
        emailed_at=timezone.now() if mailed_elsewhere else None,
    )
    transaction.on_commit(lambda: _notification_deliver(notification.pk))
    return notification


@transaction.atomic
def notifications_mark_read(
    *, member: User, ids: Iterable[int] | None = None, thread_key: str = ""
) -> int:
    """Mark the member's notifications read: these ids, one thread, or all."""
    unread = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    if thread_key:
        unread = unread.filter(thread_key=thread_key)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def email_notifications_set(*, member: User, frequency: str) -> User:
    if frequency not in EmailFrequency.values:
        raise ValidationError(
            {"email_notifications": ValidationError(_("Ungültige Auswahl."), code="invalid_choice")}
        )
    member.email_notifications = frequency
    member.save(update_fields=["email_notifications"])
    return member


def notification_digest_send(*, frequency: str, now=None) -> int:
    """Mail every member with this frequency one digest of unread, unmailed notifications.

    Bundled per conversation (one line per thread, however many posts); run by
    cron through ``manage.py send_notification_digest``. Returns mails sent.
    """
    now = now or timezone.now()
    sent = 0
    pending = (
        Notification.objects.filter(
            recipient__email_notifications=frequency,
            recipient__is_active=True,
            emailed_at__isnull=True,
            read_at__isnull=True,
            created_at__lte=now,
        )
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "pk")
    )
    by_recipient = groupby(pending.iterator(chunk_size=2000), lambda n: n.recipient_id)
    for _recipient_id, items in by_recipient:
        items = list(items)
        bundles: dict[str, dict] = {}
        for n in items:
            key = n.thread_key or f"single.{n.pk}"
            bundle = bundles.setdefault(
                key, {"title": n.thread_title or n.text, "url": n.url, "count": 0, "texts": []}
            )
            bundle["count"] += 1
            if len(bundle["texts"]) < 3:
                bundle["texts"].append(n.text)
        with transaction.atomic():
            claimed = Notification.objects.filter(
                pk__in=[n.pk for n in items], emailed_at__isnull=True
            ).update(emailed_at=now)
            if not claimed:
                continue
            recipient = items[0].recipient
            with translation.override(settings.LANGUAGE_CODE):
                emails.send(
                    to=recipient.email,
                    template="notifications/email/notification_digest",
                    context={"member": recipient, "bundles": list(bundles.values())},
                )
            sent += 1
    return sent
