"""Notifications (the bell; shared by forum, chat and events) and their e-mails."""

import logging
from collections.abc import Collection, Iterable
from itertools import groupby

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.models import EmailFrequency, User
from core import emails, realtime
from notifications import jobs, online, push, selectors, texts
from notifications.models import COLLAPSING_KINDS, Notification, PushSubscription
from notifications.serializers import notification_payloads
from notifications.signals import notification_changed

logger = logging.getLogger(__name__)

# --- delivery (after commit) --------------------------------------------------------
# What the live bell and the signal's receivers read of an entry.
PAYLOAD_FIELDS = (
    "id",
    "recipient_id",
    "actor_id",
    "kind",
    "text",
    "text_template",
    "text_args",
    "url",
    "thread_key",
    "thread_title",
    "object_key",
    "item_count",
    "created_at",
    "read_at",
    "emailed_at",
)


def _languages(member_ids: Collection[int]) -> dict[int, str]:
    """The language each member last used (community.middleware), the site's by default."""
    if not member_ids:
        return {}
    return {
        pk: language or settings.LANGUAGE_CODE
        for pk, language in User.objects.filter(pk__in=list(member_ids)).values_list(
            "pk", "language"
        )
    }


def _push_counts(*, recipient_ids: Collection[int], action: str) -> None:
    """After commit: the unread count of these members changed (read or withdrawn).

    Counted and sent only for those with a bell open (``notifications.online``)."""
    recipient_ids = sorted(set(recipient_ids))
    if not recipient_ids:
        return
    live = sorted(online.filter_online(recipient_ids))
    counts = selectors.notification_unread_counts(member_ids=live) if live else {}
    realtime.group_send_many(
        [
            (
                realtime.user_group(pk),
                {"type": realtime.NOTIFICATION_COUNT, "unread_count": counts.get(pk, 0)},
            )
            for pk in live
        ]
    )
    notification_changed.send(
        sender=Notification,
        action=action,
        notifications=[],
        recipient_ids=recipient_ids,
        unread_counts=counts,
    )


def live_payloads(notifications: list[Notification]) -> dict[int, dict]:
    """The live bell's JSON of these entries, each in its recipient's language (by id)."""
    languages = _languages({n.recipient_id for n in notifications})
    payloads: dict[int, dict] = {}
    by_language = sorted(
        notifications, key=lambda n: languages.get(n.recipient_id, settings.LANGUAGE_CODE)
    )
    for language, group in groupby(
        by_language, key=lambda n: languages.get(n.recipient_id, settings.LANGUAGE_CODE)
    ):
        group = list(group)
        with translation.override(language):
            payloads.update(zip((n.pk for n in group), notification_payloads(group), strict=True))
    return payloads


def _deliver(told: list[tuple[int, int]]) -> None:
    """After commit: ring the open bells (mails and Web Push are jobs, ``_enqueue_later``).

    ``told``: (entry id, recipient id) of each entry, as the statement that
    made them returned it, so nothing reads every entry again. A constant
    number of queries however many members are told, and work only for the
    few: one question to the presence store (``notifications.online``) for
    who has a bell open; only their entries are read, counted and put into
    their languages, and one hop to the channel layer rings their bells.
    Live delivery is best effort (a bell that opens later reads its list); what
    must not get lost, the immediate mails and Web Push, are rows of the
    outbox (``notifications.jobs``), written with the entries.
    """
    if not told:
        return
    notification_ids = [pk for pk, _recipient in told]
    recipient_ids = sorted({recipient for _pk, recipient in told})
    live_ids = online.filter_online(recipient_ids)
    live: list[Notification] = []
    if live_ids:
        live = list(
            Notification.objects.filter(
                pk__in=[pk for pk, recipient in told if recipient in live_ids]
            )
            .only(*PAYLOAD_FIELDS)
            .order_by("recipient_id", "pk")
        )
    counts = selectors.notification_unread_counts(member_ids=sorted(live_ids)) if live else {}
    payloads = live_payloads(live) if live else {}
    realtime.group_send_many(
        [
            (
                realtime.user_group(n.recipient_id),
                {
                    "type": realtime.NOTIFICATION_NEW,
                    "notification": payloads[n.pk],
                    "unread_count": counts.get(n.recipient_id, 0),
                },
            )
            for n in live
        ]
    )
    notification_changed.send(
        sender=Notification,
        action="new",
        notifications=live,
        notification_ids=notification_ids,
        payloads=payloads,
        recipient_ids=recipient_ids,
        unread_counts=counts,
    )


def _enqueue_later(
    *, told: list[tuple], kind: str, actor: User | None, mailed_elsewhere: bool
) -> None:
    """In the entries' transaction: jobs for their immediate mails and Web Push.

    ``told``: (entry id, recipient id, emailed_at) as the statement returned
    them. Only an entry not yet mailed (new, or unread again) can need a mail,
    only a pushed kind a push; one query asks which of their members want a
    mail now or have a device, and a job each names just those entries. No
    candidate: no query, no job.
    """
    unmailed = set() if mailed_elsewhere else {r for _pk, r, emailed in told if emailed is None}
    pushing = kind in push.PUSH_KINDS and push.push_enabled()
    candidates = {r for _pk, r, _emailed in told} if pushing else unmailed
    if not candidates:
        return
    device = Exists(PushSubscription.objects.filter(member_id=OuterRef("pk")))
    wanted = Q(pk__in=unmailed, email_notifications=EmailFrequency.IMMEDIATELY)
    if pushing:
        wanted |= Q(device=True)
    rows = (
        User.objects.filter(pk__in=sorted(candidates), is_active=True)
        .annotate(device=device if pushing else Value(False))
        .filter(wanted)
        .values_list("pk", "email_notifications", "device")
    )
    mail_to, push_to = set(), set()
    for pk, frequency, has_device in rows:
        if pk in unmailed and frequency == EmailFrequency.IMMEDIATELY:
            mail_to.add(pk)
        if has_device:
            push_to.add(pk)
    mail_ids = [pk for pk, r, emailed in told if r in mail_to and emailed is None]
    push_ids = [pk for pk, r, _emailed in told if r in push_to]
    if mail_ids:
        jobs.job_enqueue(kind=MAIL_JOB, params={"notification_ids": mail_ids}, member=actor)
    if push_ids:
        jobs.job_enqueue(kind=push.PUSH_JOB, params={"notification_ids": push_ids}, member=actor)


MAIL_JOB = "notifications.mail"


def _mail_immediately(notification_ids: list[int]) -> None:
    """One mail per unread conversation for members who want mails immediately.

    A job of the outbox (``MAIL_JOB``, after the commit, off the request).
    While an earlier mail of the same conversation is unread, later
    notifications join the bell, not the inbox. The claim (``emailed_at``) is
    one UPDATE … RETURNING in the job's transaction, and the mails leave once
    that committed: a job run twice, or two deliveries, never mail an entry
    twice (at most once: a mail server that fails then loses that one mail,
    logged). Only the entries to mail come with their recipients (one query).
    """
    candidates = {
        n.pk: n
        for n in Notification.objects.filter(
            pk__in=notification_ids,
            emailed_at__isnull=True,
            read_at__isnull=True,
            recipient__is_active=True,
            recipient__email_notifications=EmailFrequency.IMMEDIATELY,
        ).select_related("recipient")
    }
    if not candidates:
        return
    table = Notification._meta.db_table
    marks = ", ".join(["%s"] * len(candidates))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET emailed_at = %s"  # noqa: S608 (constants; values are parameters)
            f" WHERE id IN ({marks}) AND emailed_at IS NULL RETURNING id",
            [connection.ops.adapt_datetimefield_value(timezone.now()), *candidates],
        )
        claimed = [candidates[row[0]] for row in cursor.fetchall()]
    keyed = [n for n in claimed if n.thread_key]
    mailed_before = set()
    if keyed:
        mailed_before = set(
            Notification.objects.filter(
                recipient_id__in={n.recipient_id for n in keyed},
                thread_key__in={n.thread_key for n in keyed},
                read_at__isnull=True,
                emailed_at__isnull=False,
            )
            .exclude(pk__in=[n.pk for n in claimed])
            .values_list("recipient_id", "thread_key")
        )
    to_mail = [n for n in claimed if (n.recipient_id, n.thread_key) not in mailed_before]
    if to_mail:
        transaction.on_commit(lambda: _send_mails(to_mail))


def _send_mails(notifications: list[Notification]) -> None:
    for notification in notifications:
        try:
            with translation.override(settings.LANGUAGE_CODE):
                emails.send(
                    to=notification.recipient.email,
                    template="notifications/email/notification",
                    context={"member": notification.recipient, "notification": notification},
                )
        except Exception:
            logger.exception("immediate mail for notification %s failed", notification.pk)


# --- creating and updating: the one place where the bell learns of something -----------
def _recipients_sql(recipients) -> tuple[str, list] | None:
    """``recipients`` as SQL for ``IN (…)``: a query of member ids, or ids."""
    if isinstance(recipients, QuerySet):
        sql, params = recipients.order_by().query.sql_with_params()
        return sql, list(params)
    ids = sorted({int(pk) for pk in recipients})
    if not ids:
        return None
    return ", ".join(["%s"] * len(ids)), ids


_COLUMNS = (
    "recipient_id, actor_id, kind, text, text_template, text_args, url, thread_key,"
    " thread_title, object_key, item_count, since, created_at, read_at, emailed_at"
)


def _collapse_sql(table: str) -> str:
    """On a conflict with the member's entry of this conversation: count one more.

    An unread entry keeps its start (``since``) and link (the first unread
    event) and counts on; a read one starts over at one, unread and unmailed.
    Either way it tells of the latest event (actor, text, time) — the latest
    by the event's own time: two replies' jobs may finish in either order, and
    an unread entry that already tells of a later reply keeps telling of it.
    """
    kinds = ", ".join(f"'{kind}'" for kind in COLLAPSING_KINDS)
    unread = f"{table}.read_at IS NULL"
    older = f"{unread} AND excluded.created_at < {table}.created_at"

    def latest(column: str) -> str:
        return f"{column} = CASE WHEN {older} THEN {table}.{column} ELSE excluded.{column} END"

    told = ("actor_id", "text", "text_template", "text_args", "thread_title", "object_key")
    return (
        f" ON CONFLICT (recipient_id, kind, thread_key) WHERE kind IN ({kinds}) DO UPDATE SET"
        f" item_count = CASE WHEN {unread} THEN {table}.item_count + 1 ELSE 1 END,"
        f" since = CASE WHEN {unread} THEN {table}.since ELSE excluded.since END,"
        f" url = CASE WHEN {unread} THEN {table}.url ELSE excluded.url END,"
        f" emailed_at = CASE WHEN {unread} THEN {table}.emailed_at ELSE excluded.emailed_at END,"
        + "".join(f" {latest(column)}," for column in told)
        + f" {latest('created_at')}, read_at = NULL"
    )


@transaction.atomic
def notify_members(
    *,
    recipients,
    kind: str,
    text: "str | texts.Later",
    url: str,
    thread_key: str = "",
    thread_title: str = "",
    actor: User | None = None,
    object_key: str = "",
    mailed_elsewhere: bool = False,
    at=None,
) -> list[int]:
    """Tell many members about one event in one statement; returns the entries' ids.

    ``recipients``: a query of member ids (e.g. ``….values("member_id")``) or
    ids; inactive members and the actor are left out. For ``COLLAPSING_KINDS``
    it is one ``INSERT … ON CONFLICT DO UPDATE`` on the entry of each member
    and conversation (``thread_key``), otherwise one ``INSERT … SELECT``: the
    statement's cost grows with them in the database, though: an event with
    many members (a forum reply to its watchers) calls this from a job of the
    outbox (``notifications.jobs``), not in the request. Bells and the
    ``notification_changed`` signal follow on commit (``_deliver``); immediate
    mails and Web Push are jobs written here, in the same transaction
    (``_enqueue_later``). This and ``notification_create`` are where entries
    are made. ``at``: when the event
    happened (the post's time; default now), the entry's ``created_at``.
    ``text``: best ``texts.later(gettext_noop(…), …)``, which each reader gets
    in their language; a plain string is shown as it is.
    """
    collapsing = kind in COLLAPSING_KINDS
    if collapsing and not thread_key:
        raise ValueError("collapsing notifications need a thread_key")
    source = _recipients_sql(recipients)
    if source is None:
        return []
    source_sql, source_params = source
    now = at or timezone.now()
    table = Notification._meta.db_table
    users = User._meta.db_table
    # As the ORM stores it (SQLite compares datetimes as text: no offset there).
    now = connection.ops.adapt_datetimefield_value(now)
    text, template, args = texts.stored(text)
    values = [
        actor.pk if actor is not None else None,
        kind[:40],
        text[:300],
        template[:300],
        connection.ops.adapt_json_value(args, None),
        url[:500],
        thread_key[:100],
        thread_title[:200],
        object_key[:100],
        now,
        now,
        now if mailed_elsewhere else None,
    ]
    sql = (
        f"INSERT INTO {table} ({_COLUMNS})"  # noqa: S608 (constants; values are parameters)
        " SELECT u.id, %s, %s, %s, %s, %s, %s, %s, %s, %s, 1, %s, %s, NULL, %s"
        f" FROM {users} u WHERE u.is_active AND u.id IN ({source_sql})"
    )
    params = [*values, *source_params]
    if actor is not None:
        sql += " AND u.id <> %s"
        params.append(actor.pk)
    if collapsing:
        sql += _collapse_sql(table)
    sql += " RETURNING id, recipient_id, emailed_at"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    if not returned:
        return []
    _enqueue_later(told=returned, kind=kind, actor=actor, mailed_elsewhere=mailed_elsewhere)
    told = [(pk, recipient) for pk, recipient, _emailed in returned]
    transaction.on_commit(lambda: _deliver(told))
    return [pk for pk, _recipient in told]


@transaction.atomic
def notification_create(
    *,
    recipient: User,
    kind: str,
    text: "str | texts.Later",
    url: str,
    thread_key: str = "",
    thread_title: str = "",
    actor: User | None = None,
    mailed_elsewhere: bool = False,
    object_key: str = "",
    at=None,
) -> Notification | None:
    """Tell one member about something; nobody is notified of their own doing.

    The bell rings and the e-mail (if the member wants it immediately) leaves
    only once the transaction has committed. ``mailed_elsewhere``: the caller
    sends its own e-mail for this, so neither an immediate mail nor a digest
    repeats it. A collapsing kind counts into the member's entry of the
    conversation (``notify_members``).
    """
    if not recipient.is_active or (actor is not None and actor.pk == recipient.pk):
        return None
    if kind in COLLAPSING_KINDS:
        ids = notify_members(
            recipients=[recipient.pk],
            kind=kind,
            text=text,
            url=url,
            thread_key=thread_key,
            thread_title=thread_title,
            actor=actor,
            object_key=object_key,
            mailed_elsewhere=mailed_elsewhere,
            at=at,
        )
        return Notification.objects.filter(pk__in=ids).first()
    now = at or timezone.now()
    text, template, args = texts.stored(text)
    notification = Notification.objects.create(
        recipient=recipient,
        actor=actor,
        kind=kind[:40],
        text=text[:300],
        text_template=template[:300],
        text_args=args,
        url=url[:500],
        thread_key=thread_key[:100],
        thread_title=thread_title[:200],
        object_key=object_key[:100],
        since=now,
        created_at=now,
        emailed_at=now if mailed_elsewhere else None,
    )
    _enqueue_later(
        told=[(notification.pk, recipient.pk, notification.emailed_at)],
        kind=kind,
        actor=actor,
        mailed_elsewhere=mailed_elsewhere,
    )
    transaction.on_commit(lambda: _deliver([(notification.pk, recipient.pk)]))
    return notification


# --- reading and withdrawing ---------------------------------------------------------
@transaction.atomic
def notifications_mark_read(
    *, member: User, ids: Iterable[int] | None = None, thread_key: str = ""
) -> int:
    """Mark the member's notifications read: these ids, one thread, or all.

    When something was unread, the member's open pages learn the new count on
    commit (one COUNT); an UPDATE that touches nothing sends nothing.
    """
    unread = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    if thread_key:
        unread = unread.filter(thread_key=thread_key)
    marked = unread.update(read_at=timezone.now())
    if marked:
        transaction.on_commit(lambda: _push_counts(recipient_ids=[member.pk], action="read"))
    return marked


@transaction.atomic
def notifications_withdraw(
    *,
    object_key: str = "",
    thread_key: str = "",
    recipient_ids: Collection[int] | None = None,
) -> int:
    """Take back the entries about something gone: one object (a deleted
    mention's post or message), or a conversation for these members (who lost
    the room). Returns how many went."""
    if not object_key and not (thread_key and recipient_ids is not None):
        raise ValueError("name an object_key, or a thread_key and its recipients")
    rows = Notification.objects.all()
    if object_key:
        rows = rows.filter(object_key=object_key)
    if thread_key:
        rows = rows.filter(thread_key=thread_key, recipient_id__in=list(recipient_ids))
    told = set(rows.filter(read_at__isnull=True).values_list("recipient_id", flat=True))
    deleted = rows.delete()[0]
    if told:
        transaction.on_commit(lambda: _push_counts(recipient_ids=told, action="withdrawn"))
    return deleted


@transaction.atomic
def notifications_uncount(
    *, kind: str, thread_key: str, at, exclude_recipient_ids: Collection[int] = ()
) -> int:
    """One event of collapsed entries was taken back (a deleted reply or direct message).

    Every unread entry of the conversation whose count includes it (unread
    since no later than ``at``) counts one less, and one that counted only it
    goes. ``exclude_recipient_ids``: who was never counted (the author, the
    mentioned). Constant queries, however many members. Returns entries changed.
    """
    if kind not in COLLAPSING_KINDS:
        raise ValueError(f"{kind} does not collapse")
    rows = Notification.objects.filter(
        kind=kind, thread_key=thread_key, read_at__isnull=True, since__lte=at
    ).exclude(recipient_id__in=list(exclude_recipient_ids))
    told = set(rows.values_list("recipient_id", flat=True))
    if not told:
        return 0
    gone = rows.filter(item_count__lte=1).delete()[0]
    fewer = rows.filter(item_count__gt=1).update(item_count=F("item_count") - 1)
    transaction.on_commit(lambda: _push_counts(recipient_ids=told, action="withdrawn"))
    return gone + fewer


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
                key,
                {"title": n.thread_title or n.display_text, "url": n.url, "count": 0, "texts": []},
            )
            bundle["count"] += n.item_count  # a collapsed entry counts its replies
            if len(bundle["texts"]) < 3:
                bundle["texts"].append(n.display_text)
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
