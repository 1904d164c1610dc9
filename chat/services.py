"""Writes of the chat app: rooms, memberships and messages.

Delivery guarantees live here. A message is validated, rendered, stored with
the room's next ``seq`` (the room row is locked while it is taken, so seqs
never repeat or skip, on PostgreSQL and on SQLite), and only broadcast once
the transaction has committed. The broadcast is a doorbell: clients fill any
gap from the database with ``sync``.
"""

import contextlib
import contextvars
import logging
import re
import secrets
import threading
import time
import uuid
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor

import psycopg
from asgiref.sync import async_to_sync, sync_to_async
from django.core.exceptions import ValidationError
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from chat import access, aio, hub, ratelimit, unread_live
from chat.markdown import candidate_handles, render_message
from chat.models import (
    DIRECT_SLUG_PREFIX,
    MAX_BODY_LENGTH,
    MAX_CLIENT_ID_LENGTH,
    MAX_DIRECT_PEOPLE,
    MEMBERSHIP_KINDS,
    MUNICIPALITY_SLUG_PREFIX,
    OBJECT_KINDS,
    Mention,
    Message,
    Room,
    RoomKind,
    RoomMembership,
    direct_key_for,
    reserved_slug_kind,
)
from chat.serializers import message_payload
from community.mentions import erased_handles
from community.models import Municipality, Project, Role, User
from core import realtime
from core.concurrency import check_version
from core.text import german_slugify
from files.models import StoredFile
from files.services import files_attach, files_delete_for
from notifications.services import (
    notifications_mark_read,
    notifications_uncount,
    notifications_withdraw,
    notify_members,
)
from notifications.texts import later

logger = logging.getLogger(__name__)
# As many files as any object takes (files.FILES_PER_OBJECT); checked before the service.
FILES_PER_MESSAGE = 10


# --- broadcasting -------------------------------------------------------------
# A consumer collects its broadcasts here and sends them on its own event loop,
# so that the database thread never waits for the channel layer.
_outbox: contextvars.ContextVar[list | None] = contextvars.ContextVar("chat_outbox", default=None)


@contextlib.contextmanager
def collect_broadcasts():
    """Inside: committed broadcasts are collected as (group, event), not sent."""
    outbox: list[tuple[str, dict]] = []
    token = _outbox.set(outbox)
    try:
        yield outbox
    finally:
        _outbox.reset(token)


def _send_to_room(room_id: int, event: dict) -> None:
    """Ring the room's doorbell; a failure loses nothing (clients ``sync``)."""
    _send(realtime.chat_room_group(room_id), event)


def _send(group: str, event: dict) -> None:
    outbox = _outbox.get()
    if outbox is not None:
        outbox.append((group, event))
        return
    try:
        async_to_sync(hub.group_send)(group, event)
    except Exception:
        logger.exception("chat broadcast to %s failed; clients will sync", group)


def _broadcast_on_commit(room_id: int, event_type: str, **payload) -> None:
    transaction.on_commit(lambda: _send_to_room(room_id, {"type": event_type, **payload}))


def _access_changed_on_commit(*, member_ids: Iterable[int], room_id: int | None = None) -> None:
    """After commit, these members' open chat sockets check their access again
    (``room_id`` None: every room) and close with 4403 where it is gone."""
    event = {"type": realtime.CHAT_ACCESS_CHANGED, "room_id": room_id}
    for pk in set(member_ids):
        transaction.on_commit(lambda pk=pk: _send(realtime.chat_user_group(pk), event))


# --- rooms ----------------------------------------------------------------------
def _unique_room_slug(base: str, *, kind: str, fallback: str = "raum") -> str:
    """A free slug from a name; a reserved one (``reserved_slug_kind``) only for its kind."""
    base = (german_slugify(base) or fallback)[:90].strip("-") or fallback
    if reserved_slug_kind(base) not in (None, kind):
        base = f"{fallback}-{base}"[:90].strip("-")
    candidate, n = base, 1
    while Room.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


_CANONICAL_DIRECT_KEY = re.compile(r"^[0-9]+(-[0-9]+)+\Z")


def _direct_people(room: Room) -> set[int]:
    """Who belongs in a direct conversation: the people of its key (a key from
    before keys, which names no one, keeps the people it had)."""
    if room.direct_key and _CANONICAL_DIRECT_KEY.match(room.direct_key):
        return {int(pk) for pk in room.direct_key.split("-")}
    return set(RoomMembership.objects.filter(room=room).values_list("member_id", flat=True))


def _memberships_set(*, room: Room, members: Iterable[User]) -> None:
    """Add members (again): a former member who left comes back.

    A direct conversation takes nobody but its own people: "only these people
    are ever in it" (API contract)."""
    members = {m.pk: m for m in members if m is not None}
    if not members:
        return
    if room.kind == RoomKind.DIRECT and not set(members) <= _direct_people(room):
        raise ValidationError(
            {
                "members": ValidationError(
                    _("In ein Direktgespräch kommt niemand hinzu."), code="invalid"
                )
            }
        )
    existing = {
        m.member_id: m for m in RoomMembership.objects.filter(room=room, member_id__in=members)
    }
    RoomMembership.objects.filter(
        pk__in=[m.pk for m in existing.values() if m.left_at is not None]
    ).update(left_at=None, joined_at=timezone.now())
    RoomMembership.objects.bulk_create(
        [RoomMembership(room=room, member_id=pk) for pk in members if pk not in existing],
        ignore_conflicts=True,
    )


ROOM_KIND_FORBIDDEN = gettext_lazy("Nur die Moderation legt offene Themenräume an.")


@transaction.atomic
def room_create(
    *,
    created_by: User | None,
    name: str,
    kind: str = RoomKind.PRIVATE,
    slug: str = "",
    is_private: bool | None = None,
    municipality: Municipality | None = None,
    object_id: int | None = None,
    members: Iterable[User] = (),
    direct_key: str | None = None,
) -> Room:
    """Create a room; a slug given or made from the name never takes a reserved one
    (``reserved_slug_kind``) of another kind. Direct conversations come from
    ``direct_room_open`` alone (with their ``direct_key``). A member creates only
    the kinds ``access.can_create_room`` allows (``ValidationError`` code
    ``room_kind_forbidden``); rooms without a creator are the system's."""
    if created_by is not None and not access.can_create_room(created_by, kind):
        raise ValidationError(ROOM_KIND_FORBIDDEN, code="room_kind_forbidden")
    should_be_private = kind in MEMBERSHIP_KINDS
    if is_private is not None and bool(is_private) != should_be_private:
        raise ValidationError(
            {
                "is_private": ValidationError(
                    _("Räume dieser Art sind immer privat.")
                    if should_be_private
                    else _("Räume dieser Art sind immer offen."),
                    code="invalid",
                )
            }
        )
    slug = (slug or "").strip()
    if slug and reserved_slug_kind(slug) not in (None, kind):
        raise ValidationError(
            {
                "slug": ValidationError(
                    _("Dieser Kurzname ist für Direktgespräche und Kommunen reserviert."),
                    code="reserved",
                )
            }
        )
    if slug and Room.objects.filter(slug=slug).exists():
        raise ValidationError(
            {"slug": ValidationError(_("Diesen Kurznamen hat schon ein Raum."), code="unique")}
        )
    room = Room(
        slug=slug or _unique_room_slug(name, kind=kind),
        name=(name or "").strip(),
        kind=kind,
        is_private=should_be_private,
        municipality=municipality,
        object_id=object_id,
        direct_key=direct_key,
        created_by=created_by,
    )
    room.full_clean()
    room.save()
    if should_be_private:
        _memberships_set(room=room, members=[created_by, *members])
    return room


@transaction.atomic
def room_ensure_for_municipality(*, municipality: Municipality) -> Room:
    """The city room of a municipality, created on first use."""
    room = Room.objects.filter(kind=RoomKind.MUNICIPALITY, municipality=municipality).first()
    if room is not None:
        return room
    return room_create(
        created_by=None,
        name=municipality.name,
        kind=RoomKind.MUNICIPALITY,
        slug=_unique_room_slug(
            f"{MUNICIPALITY_SLUG_PREFIX}{municipality.slug}", kind=RoomKind.MUNICIPALITY
        ),
        municipality=municipality,
    )


@transaction.atomic
def room_ensure_for_object(
    *, kind: str, object_id: int, name: str, members: Iterable[User] = ()
) -> Room:
    """The room of a project or event (by its id), created or renamed, members added.

    For the projects and events apps: call it when the object or its
    participants change; ``room_remove_members`` takes people out again.
    """
    if kind not in OBJECT_KINDS:
        raise ValidationError(
            {"kind": ValidationError(_("Nur Projekte und Termine."), code="invalid")}
        )
    room = Room.objects.select_for_update().filter(kind=kind, object_id=object_id).first()
    if room is None:
        room = room_create(created_by=None, name=name, kind=kind, object_id=object_id)
    elif name and room.name != name.strip():
        room.name = name.strip()
        room.full_clean()
        room.save(update_fields=["name"])
    _memberships_set(room=room, members=members)
    return room


@transaction.atomic
def project_room_sync(*, project: Project) -> Room:
    """The project's room holds exactly its active members; open sockets of leavers close."""
    wanted = list(project.members.filter(is_active=True))
    room = room_ensure_for_object(
        kind=RoomKind.PROJECT, object_id=project.pk, name=project.title, members=wanted
    )
    leaving = list(
        User.objects.filter(
            pk__in=RoomMembership.objects.filter(room=room, left_at__isnull=True)
            .exclude(member__in=wanted)
            .values("member_id")
        )
    )
    if leaving:
        room_remove_members(room=room, members=leaving)
    return room


@transaction.atomic
def project_room_close(*, project: Project) -> None:
    """A deleted project's room stays readable for its members but takes no new messages."""
    room = Room.objects.filter(kind=RoomKind.PROJECT, object_id=project.pk).first()
    if room is not None and not room.is_closed:
        room_close(room=room)


@transaction.atomic
def room_add_members(*, room: Room, members: Iterable[User]) -> None:
    _memberships_set(room=room, members=members)


@transaction.atomic
def room_remove_members(*, room: Room, members: Iterable[User]) -> None:
    """Take members out; their open sockets in the room close (4403)."""
    ids = [m.pk for m in members]
    RoomMembership.objects.filter(room=room, member_id__in=ids, left_at__isnull=True).update(
        left_at=timezone.now()
    )
    if room.by_membership:
        _access_changed_on_commit(member_ids=ids, room_id=room.pk)
        # What they can no longer open leaves their bell too.
        notifications_withdraw(thread_key=_room_key(room.pk), recipient_ids=ids)


@transaction.atomic
def room_leave(*, room: Room, member: User) -> None:
    """Leave a room: membership rooms close to the member, open ones leave the list."""
    membership, _created = RoomMembership.objects.get_or_create(room=room, member=member)
    membership.left_at = timezone.now()
    membership.save(update_fields=["left_at"])
    transaction.on_commit(lambda: unread_live.counts_push([member.pk]))
    if room.by_membership:
        _access_changed_on_commit(member_ids=[member.pk], room_id=room.pk)
        notifications_withdraw(thread_key=_room_key(room.pk), recipient_ids=[member.pk])


@transaction.atomic
def room_visit(*, room: Room, member: User) -> RoomMembership:
    """Opening an open room puts it (back) into the member's list."""
    membership, created = RoomMembership.objects.get_or_create(room=room, member=member)
    if not created and membership.left_at is not None and not room.by_membership:
        membership.left_at = None
        membership.save(update_fields=["left_at"])
    return membership


@transaction.atomic
def room_open(*, room: Room, member: User) -> RoomMembership:
    """The member opens the room's page: it is (back) in their list and read,
    and so are the bell's entries of it (mentions, direct messages)."""
    membership = room_visit(room=room, member=member)
    latest = Room.objects.filter(pk=room.pk).values_list("last_seq", flat=True).first() or 0
    if membership.last_read_seq < latest:
        membership.last_read_seq = latest
        membership.save(update_fields=["last_read_seq"])
        transaction.on_commit(lambda: unread_live.counts_push([member.pk]))
    notifications_mark_read(member=member, thread_key=_room_key(room.pk))
    return membership


@transaction.atomic
def room_membership_update(
    *, room: Room, member: User, muted: bool | None = None, last_read_seq: int | None = None
) -> RoomMembership:
    """Mute a room or mark it read up to a seq (never backwards, never past the end)."""
    membership, _created = RoomMembership.objects.get_or_create(room=room, member=member)
    counted_before = not membership.muted and membership.last_read_seq < room.last_seq
    fields = []
    if muted is not None:
        membership.muted = muted
        fields.append("muted")
    if last_read_seq is not None:
        membership.last_read_seq = max(membership.last_read_seq, min(last_read_seq, room.last_seq))
        fields.append("last_read_seq")
    if fields:
        membership.save(update_fields=fields)
    if counted_before != (not membership.muted and membership.last_read_seq < room.last_seq):
        # The navigation's count changed (read to the end, muted, unmuted): open pages hear it.
        transaction.on_commit(lambda: unread_live.counts_push([member.pk]))
    if last_read_seq is not None and membership.last_read_seq >= room.last_seq:
        notifications_mark_read(member=member, thread_key=_room_key(room.pk))  # read to the end
    return membership


@transaction.atomic
def room_close(*, room: Room) -> Room:
    """A moderator closes a room: it stays readable, nobody can write any more."""
    Room.objects.filter(pk=room.pk).update(is_closed=True)
    room.is_closed = True
    _broadcast_on_commit(room.pk, realtime.CHAT_ROOM_CLOSED)
    return room


def _direct_slug() -> str:
    """A slug nobody chose and nobody can guess from the people in the room."""
    while True:
        slug = DIRECT_SLUG_PREFIX + secrets.token_hex(8)
        if not Room.objects.filter(slug=slug).exists():
            return slug


def direct_room_open(*, member: User, others: Iterable[User]) -> Room:
    """The direct conversation of exactly these members, created on first contact.

    Found by its kind and its people's key (``direct_key_for``), never by a
    slug or name: a room someone else named like it is never taken for it.
    Opening it again brings the member back if they had left.
    """
    people = {member.pk: member, **{o.pk: o for o in others if o is not None}}
    if len(people) < 2:
        raise ValidationError(
            {
                "members": ValidationError(
                    _("Ein Gespräch braucht mindestens eine weitere Person."), code="invalid"
                )
            }
        )
    if len(people) > MAX_DIRECT_PEOPLE:
        raise ValidationError(
            {
                "members": ValidationError(
                    _("Ein Direktgespräch hat höchstens %(max)d Personen."),
                    code="max_length",
                    params={"max": MAX_DIRECT_PEOPLE},
                )
            }
        )
    if not all(p.is_active for p in people.values()):
        raise ValidationError(
            {"members": ValidationError(_("Nur aktive Mitglieder."), code="invalid")}
        )
    key = direct_key_for(people)
    refusal: Exception | None = None
    for _attempt in range(2):
        room = Room.objects.filter(kind=RoomKind.DIRECT, direct_key=key).first()
        if room is not None:
            room_add_members(room=room, members=[member])  # came back after leaving
            return room
        try:
            with transaction.atomic():
                names = ", ".join(sorted(p.display_name for p in people.values()))
                return room_create(
                    created_by=member,
                    name=names[:200],
                    kind=RoomKind.DIRECT,
                    slug=_direct_slug(),
                    direct_key=key,
                    members=people.values(),
                )
        except (IntegrityError, ValidationError) as exc:
            refusal = exc  # opened by the other side at the same moment?
    room = Room.objects.filter(kind=RoomKind.DIRECT, direct_key=key).first()
    if room is None:
        raise refusal
    return room


# --- messages -------------------------------------------------------------------
def _validate_message(body, client_id, *, has_files: bool = False) -> None:
    if not isinstance(client_id, str) or not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH:
        raise ValidationError(
            _("client_id muss eine Zeichenkette mit 1 bis 64 Zeichen sein."), code="invalid"
        )
    if "\x00" in client_id:
        raise ValidationError(_("client_id enthält ein Nullzeichen."), code="invalid")
    if not isinstance(body, str) or (not body.strip() and not has_files):
        # Only files, with an empty body, is a message too.
        raise ValidationError(_("Die Nachricht ist leer."), code="invalid")
    if "\x00" in body:  # PostgreSQL text cannot hold it
        raise ValidationError(_("Die Nachricht enthält ein Nullzeichen."), code="invalid")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError(
            _("Die Nachricht ist länger als %(max)d Zeichen."),
            code="too_long",
            params={"max": MAX_BODY_LENGTH},
        )


def _linked_handles(body: str) -> set[str]:
    """The @handles in a text that name existing members: those become links."""
    handles = candidate_handles(body) if "@" in body else []
    if not handles:
        return set()
    return set(
        User.objects.filter(handle__in=handles, is_active=True).values_list("handle", flat=True)
    )


def _erased_handles(body: str, linked: set[str]) -> set[str]:
    """The @handles of erased members: shown as the neutral name. Asked only for
    @words that name no member (a message without any asks nothing)."""
    unknown = set(candidate_handles(body) if "@" in body else []) - linked
    return erased_handles(unknown) if unknown else set()


def _mentions(room: Room, author: User, body: str) -> tuple[set[str], list[int]]:
    """The handles to link, and who of them can read the room (notified; the
    author aside). Nothing to look up without an ``@``."""
    linked = _linked_handles(body)
    if not linked:
        return set(), []
    readers = User.objects.filter(handle__in=linked, is_active=True).exclude(pk=author.pk)
    if room.kind == RoomKind.MUNICIPALITY:
        readers = readers.filter(
            Q(municipality_id=room.municipality_id)
            | Q(role__in=[Role.MODERATOR, Role.ADMIN])
            | Q(is_superuser=True)
        )
    elif room.by_membership:
        readers = readers.filter(
            chat_memberships__room=room, chat_memberships__left_at__isnull=True
        )
    return linked, list(readers.values_list("pk", flat=True))


def _room_key(room_id: int) -> str:
    """The bell's conversation of a room: its mentions and direct messages."""
    return f"chat.room.{room_id}"


def _message_key(message_id: int) -> str:
    """What a mention's entry is about: deleting the message withdraws it."""
    return f"chat.message.{message_id}"


def _room_url(room: Room, seq: int) -> str:
    return reverse("chat:room", kwargs={"slug": room.slug}) + f"#m{seq}"


def _notify_mentions(*, room: Room, message: Message, author: User, member_ids: list[int]) -> None:
    """One bell entry per mentioned member (who can read the room, ``_mentions``),
    except where the room is muted; one statement for all of them."""
    muted = RoomMembership.objects.filter(room=room, muted=True).values("member_id")
    notify_members(
        recipients=User.objects.filter(pk__in=member_ids).exclude(pk__in=muted).values("pk"),
        kind="chat.mention",
        text=later(
            gettext_noop("%(author)s hat Sie im Chat „%(room)s“ erwähnt"),
            author=author.display_name,
            room=room.name,
        ),
        url=_room_url(room, message.seq),
        thread_key=_room_key(room.pk),
        thread_title=room.name,
        actor=author,
        object_key=_message_key(message.pk),
        at=message.created_at,
    )


def _notify_direct(*, room: Room, message: Message, author: User, mentioned: list[int]) -> None:
    """A direct message rings its people's bells as a mention does, collapsed into
    one entry per person and conversation ("3 neue Direktnachrichten …"). Only
    who is in the conversation now and has not muted it; a mention wins."""
    notify_members(
        recipients=RoomMembership.objects.filter(room=room, left_at__isnull=True, muted=False)
        .exclude(member_id__in=[author.pk, *mentioned])
        .values("member_id"),
        kind="chat.direct",
        text=later(
            gettext_noop("%(author)s hat Ihnen eine Direktnachricht geschrieben"),
            author=author.display_name,
        ),
        url=_room_url(room, message.seq),
        thread_key=_room_key(room.pk),
        thread_title=room.name,
        actor=author,
        at=message.created_at,
    )


def _existing(room: Room, author: User, client_id: str) -> Message | None:
    return (
        Message.objects.select_related("author", "room")
        .prefetch_related("attachments")
        .filter(room=room, author=author, client_id=client_id)
        .first()
    )


def _without_files(message: Message) -> Message:
    """Known to have no files: its payload asks the database nothing about them."""
    message._prefetched_objects_cache = {"attachments": StoredFile.objects.none()}
    return message


def _with_files(message: Message) -> Message:
    """Its files as stored now, for the payload (one query)."""
    if getattr(message, "_prefetched_objects_cache", None):
        message._prefetched_objects_cache.pop("attachments", None)
    prefetch_related_objects([message], "attachments")
    return message


def validate_attachment_ids(attachments) -> list[str]:
    """The ``attachments`` of a socket frame (or a form): a list of at most 10 ids.

    Only the shape: whose files they are, ``files_attach`` decides.
    """
    if attachments is None:
        return []
    if isinstance(attachments, list):
        attachments = [str(a) if isinstance(a, uuid.UUID) else a for a in attachments]
    if (
        not isinstance(attachments, list)
        or len(attachments) > FILES_PER_MESSAGE
        or not all(isinstance(a, str) and 0 < len(a) <= 64 for a in attachments)
    ):
        raise ValidationError(
            _("attachments ist eine Liste von höchstens %(max)d Datei-IDs."),
            code="invalid",
            params={"max": FILES_PER_MESSAGE},
        )
    return attachments


# One statement, one round trip on PostgreSQL: take the next seq (the UPDATE
# locks the room row until commit, so seqs are gapless and ordered), refuse a
# closed room or a membership room without an active membership (no seq is
# handed out), insert the message (a repeated client_id violates the unique
# constraint, and the whole statement, seq included, is undone) and mark it
# read for the author (this is also an open room's membership row). {guard}:
# a further condition on handing out the seq (the rate limit's token, below).
_STORE_CTES = """
next AS (
    UPDATE chat_room SET last_seq = last_seq + 1
    WHERE id = %(room)s AND NOT is_closed AND (
        NOT is_private OR EXISTS (
            SELECT 1 FROM chat_roommembership
            WHERE room_id = %(room)s AND member_id = %(author)s AND left_at IS NULL
        )
    ){guard}
    RETURNING last_seq
), message AS (
    INSERT INTO chat_message (room_id, seq, author_id, client_id, body, body_html, created_at)
    SELECT %(room)s, last_seq, %(author)s, %(client_id)s, %(body)s, %(body_html)s, %(now)s
    FROM next
    RETURNING id, seq
), read AS (
    INSERT INTO chat_roommembership (room_id, member_id, joined_at, muted, last_read_seq)
    SELECT %(room)s, %(author)s, %(now)s, false, seq FROM message
    ON CONFLICT (room_id, member_id) DO UPDATE SET last_read_seq = EXCLUDED.last_read_seq
)
"""
# Always one row: the message's id and seq (NULL when none was stored) and
# whether the rate limit had a token for it.
_STORED = "SELECT (SELECT id FROM message), (SELECT seq FROM message), "
_POST_SQL = "WITH " + _STORE_CTES.format(guard="") + _STORED + "true"
# The same with the rate limit's token taken first (chat.ratelimit), in the one
# round trip. A seq refused by the room leaves the token spent, as a refused
# post always has; a resend (unique violation) undoes the token with the rest.
_POST_WITH_TOKEN_SQL = (
    f"WITH token AS ({ratelimit.TAKE_SQL}), "  # noqa: S608 (constants; values are parameters)
    + _STORE_CTES.format(guard=" AND EXISTS (SELECT 1 FROM token)")
    + _STORED
    + "EXISTS (SELECT 1 FROM token)"
)


def _rate_limited() -> ValidationError:
    return ValidationError(
        _("Zu viele Nachrichten in kurzer Zeit. Bitte einen Moment warten."),
        code="rate_limited",
    )


def _refusal(room: Room, author: User) -> ValidationError:
    """Why no seq was handed out: the room is closed, or the author is not in it."""
    if Room.objects.filter(pk=room.pk, is_closed=True).exists():
        return ValidationError(_("Dieser Raum ist geschlossen."), code="closed")
    return ValidationError(_("Sie sind nicht in diesem Raum."), code="forbidden")


def _post_params(message: Message) -> dict:
    return {
        "room": message.room_id,
        "author": message.author_id,
        "client_id": message.client_id,
        "body": message.body,
        "body_html": message.body_html,
        "now": message.created_at,
    }


def _store_postgresql(message: Message, *, take_token: bool = False) -> None:
    """Store with the next seq in one statement; with ``take_token``, the rate limit's too."""
    params = _post_params(message)
    if take_token:
        params |= ratelimit.take_params(message.author_id)
    with connection.cursor() as cursor:
        cursor.execute(_POST_WITH_TOKEN_SQL if take_token else _POST_SQL, params)
        pk, seq, token = cursor.fetchone()
    if not token:
        raise _rate_limited()
    if pk is None:
        raise _refusal(message.room, message.author)
    message.pk, message.seq = pk, seq


def _store_portable(message: Message) -> None:
    """The same steps through the ORM, for SQLite (one writer at a time anyway)."""
    room, author = message.room, message.author
    locked = Room.objects.select_for_update().filter(pk=room.pk).values("last_seq", "is_closed")
    locked = locked.first()
    allowed = not room.by_membership or (
        RoomMembership.objects.filter(room=room, member=author, left_at__isnull=True).exists()
    )
    if locked is None or locked["is_closed"] or not allowed:
        raise _refusal(room, author)
    message.seq = locked["last_seq"] + 1
    Room.objects.filter(pk=room.pk).update(last_seq=message.seq)
    message.save(force_insert=True)
    RoomMembership.objects.bulk_create(
        [RoomMembership(room=room, member=author, last_read_seq=message.seq)],
        update_conflicts=True,
        unique_fields=["room", "member"],
        update_fields=["last_read_seq"],
    )


def message_post(
    *,
    room: Room,
    author: User,
    body: str,
    client_id: str,
    rate_limited: bool = True,
    attachments: list | None = None,
) -> tuple[Message, bool]:
    """Store a message with the room's next seq; return it and whether it is new.

    The same ``client_id`` again returns the stored message and stores nothing:
    the unique constraint (room, author, client_id) refuses the second row,
    which rolls back the whole transaction, seq included, so no gap is left.
    A resend is never refused by the rate limit either. Without mentions, on
    PostgreSQL outside any transaction, the rate limit's token, seq and message
    are a single statement in autocommit: one round trip (docs/performance.md).
    ``attachments``: ids of the author's uploaded files, attached in the same
    transaction (a file that is not the author's refuses the whole message).
    """
    attachments = validate_attachment_ids(attachments)
    _validate_message(body, client_id, has_files=bool(attachments))
    linked, mentioned = _mentions(room, author, body)
    message = Message(
        room=room,
        author=author,
        client_id=client_id,
        body=body,
        body_html=render_message(
            body, handles=linked, erased=_erased_handles(body, linked)
        ),  # outside the lock
        created_at=timezone.now(),
    )
    postgresql = connection.vendor == "postgresql"
    # A single statement is atomic by itself; a transaction (or a savepoint
    # inside the caller's) only when more than one statement must commit together.
    direct = room.kind == RoomKind.DIRECT  # rings the bells of the others (_notify_direct)
    single = (
        postgresql
        and not mentioned
        and not attachments
        and not direct
        and connection.get_autocommit()
    )
    try:
        if rate_limited and not single and not ratelimit.take_token(author.pk):
            raise _rate_limited()
        with contextlib.nullcontext() if single else transaction.atomic():
            if postgresql:
                _store_postgresql(message, take_token=rate_limited and single)
            else:
                _store_portable(message)
            if mentioned:
                Mention.objects.bulk_create(
                    [Mention(message=message, member_id=pk) for pk in mentioned]
                )
                _notify_mentions(room=room, message=message, author=author, member_ids=mentioned)
            if direct:
                _notify_direct(room=room, message=message, author=author, mentioned=mentioned)
            if attachments:
                files_attach(user=author, ids=attachments, target=message)
                _with_files(message)
            else:
                _without_files(message)
            room.last_seq = max(room.last_seq, message.seq)
            # Committed already when single: on_commit then sends at once.
            _broadcast_on_commit(room.pk, realtime.CHAT_MESSAGE, message=message_payload(message))
            transaction.on_commit(lambda: unread_live.room_activity(message.room_id, message.seq))
    except (IntegrityError, ValidationError) as exc:
        if isinstance(exc, ValidationError) and getattr(exc, "code", None) != "rate_limited":
            raise
        existing = _existing(room, author, client_id)
        if existing is None:
            raise
        return existing, False
    return message, True


# --- posting from an event loop ---------------------------------------------------------
# The chat socket posts from daphne's event loop. On PostgreSQL a message
# without mentions is one statement (_POST_WITH_TOKEN_SQL: the rate limit's
# token, seq, message, read marker) on the loop's own connection: no thread,
# no hop back (chat.aio), no other round trip.
# Everything else (SQLite, mentions, a resend, a refusal, a lost connection)
# runs ``message_post`` on a posting thread, as before.
#
# Those threads are the chat's own, as many as there are cores to use: each
# keeps its pooled connection between messages, so a process holds a fixed
# number of connections however many event loops come and go. Django's
# connection hygiene of a request (close_old_connections: maximum age, and it
# arms the health check, a "SELECT 1" before the next query) runs once a
# second per thread, not for every message, where it doubled the round trips.
POST_THREADS = 4
HYGIENE_EVERY_SECONDS = 1.0
_post_executor = ThreadPoolExecutor(max_workers=POST_THREADS, thread_name_prefix="chat-post")
_hygiene = threading.local()

Outbox = list[tuple[str, dict]]


def _post_in_thread(
    room, author, body, client_id, rate_limited, lost, attachments=None
) -> tuple[Message, bool, Outbox]:
    """``message_post`` with its broadcasts collected for the loop to send.

    A connection that broke meanwhile fails the statement; the message is then
    posted once more on a new connection, which the client_id makes safe. If the
    lost attempt had committed, the retry finds it stored: it is broadcast then,
    as nobody else would hear of it before their next ``sync``.
    """
    now = time.monotonic()
    if now - getattr(_hygiene, "done_at", float("-inf")) >= HYGIENE_EVERY_SECONDS:
        close_old_connections()
        _hygiene.done_at = now
    for attempt in (1, 2):
        try:
            with collect_broadcasts() as outbox:
                message, created = message_post(
                    room=room,
                    author=author,
                    body=body,
                    client_id=client_id,
                    rate_limited=rate_limited,
                    attachments=attachments,
                )
                if lost and not created:
                    _send_to_room(room.pk, _message_event(message))
            return message, created, outbox
        except (InterfaceError, OperationalError):
            connection.close()
            if attempt == 2:
                raise
            logger.warning("chat database connection lost; posting again", exc_info=True)
            lost, rate_limited = True, False


_post_thread = sync_to_async(_post_in_thread, thread_sensitive=False, executor=_post_executor)


def _message_event(message: Message) -> dict:
    return {"type": realtime.CHAT_MESSAGE, "message": message_payload(message)}


async def message_post_async(
    *, room: Room, author: User, body: str, client_id: str, attachments: list | None = None
) -> tuple[Message, bool, Outbox]:
    """``message_post`` for the event loop: the message, whether it is new, and
    the broadcasts the caller sends once it holds them (after the commit).
    A message with files takes the thread path (files_attach, in its transaction)."""
    attachments = validate_attachment_ids(attachments)
    _validate_message(body, client_id, has_files=bool(attachments))
    if attachments:
        return await _post_thread(room, author, body, client_id, True, False, attachments)
    fast = (
        connection.vendor == "postgresql"
        and not candidate_handles(body)
        and room.kind != RoomKind.DIRECT  # a direct message also rings bells
    )
    if not fast:
        return await _post_thread(room, author, body, client_id, True, False)
    message = Message(
        room=room,
        author=author,
        client_id=client_id,
        body=body,
        body_html=render_message(body, handles=set()),
        created_at=timezone.now(),
    )
    params = _post_params(message) | ratelimit.take_params(author.pk)
    try:
        async with (await aio.loop_connections()).postgresql() as conn:
            # Prepared (once per connection): PostgreSQL parses and plans the
            # statement once, not for every message (Django leaves psycopg's
            # automatic preparation off), and only its parameters travel.
            cursor = await conn.execute(_POST_WITH_TOKEN_SQL, params, prepare=True)
            pk, seq, token = await cursor.fetchone()
    except psycopg.errors.UniqueViolation:
        pk, token = None, True  # a resend: the thread path answers with the stored message
    except (psycopg.OperationalError, psycopg.InterfaceError):
        logger.warning("chat database connection lost; posting again", exc_info=True)
        return await _post_thread(room, author, body, client_id, False, True)
    if pk is None:
        # No token: refused, unless it is a resend (never refused). A resend, or
        # refused by the room (closed, not a member). The thread path tells which.
        return await _post_thread(room, author, body, client_id, not token, False)
    message.pk, message.seq = pk, seq
    _without_files(message)
    room.last_seq = max(room.last_seq, message.seq)
    unread_live.room_activity(room.pk, seq)  # committed; never blocks the loop
    with collect_broadcasts() as outbox:
        _send_to_room(room.pk, _message_event(message))
    return message, True, outbox


def _lock_message(message: Message) -> Message:
    """The message's row, locked until the end of the transaction (fields refreshed)."""
    locked = Message.objects.select_for_update().get(pk=message.pk)
    for name in ("body", "body_html", "edited_at", "deleted_at", "version"):
        setattr(message, name, getattr(locked, name))
    return message


@transaction.atomic
def message_edit(
    *,
    message: Message,
    body: str | None = None,
    attachments: list | None = None,
    expected_version: int | Collection[int] | None = None,
) -> Message:
    """Change a message's text or files; with ``expected_version``, one changed
    meanwhile raises VersionConflict (under the row lock: of two edits from one
    version only one wins). ``body`` None keeps the text; ``attachments`` (None:
    unchanged) replaces the files: those left out are deleted, new ones must be
    the author's. A message keeps a text or at least one file."""
    message = _lock_message(message)
    check_version(message, expected_version)
    if message.deleted_at is not None:  # deleted meanwhile
        raise ValidationError(_("Diese Nachricht ist gelöscht."), code="deleted")
    if attachments is not None:
        attachments = validate_attachment_ids(attachments)
        has_files = bool(attachments)
    else:
        has_files = message.attachments.exists()
    if body is None:
        body = message.body
    _validate_message(body, message.client_id, has_files=has_files)
    if attachments is not None:
        files_attach(user=message.author, ids=attachments, target=message)
    message.body = body
    linked = _linked_handles(body)
    message.body_html = render_message(body, handles=linked, erased=_erased_handles(body, linked))
    message.edited_at = timezone.now()
    message.version += 1
    message.save(update_fields=["body", "body_html", "edited_at", "version"])
    _with_files(message)
    _broadcast_on_commit(
        message.room_id, realtime.CHAT_MESSAGE_CHANGED, message=message_payload(message)
    )
    return message


def _withdraw_notifications(*, message: Message) -> None:
    """A deleted message takes back what it told: its mentions' entries go, and
    in a direct conversation the others' entries count it no more."""
    notifications_withdraw(object_key=_message_key(message.pk))
    kind = Room.objects.filter(pk=message.room_id).values_list("kind", flat=True).first()
    if kind == RoomKind.DIRECT:
        mentioned = Mention.objects.filter(message=message).values_list("member_id", flat=True)
        notifications_uncount(
            kind="chat.direct",
            thread_key=_room_key(message.room_id),
            at=message.created_at,
            exclude_recipient_ids={message.author_id, *mentioned} - {None},
        )


@transaction.atomic
def message_delete(*, message: Message) -> Message:
    """Remove the text, keep the seq: a deleted message leaves no gap."""
    message = _lock_message(message)
    message.body = ""
    message.body_html = ""
    message.deleted_at = timezone.now()
    message.version += 1
    message.save(update_fields=["body", "body_html", "deleted_at", "version"])
    files_delete_for(target=message)  # its files go with its text
    _withdraw_notifications(message=message)
    _without_files(message)
    _broadcast_on_commit(
        message.room_id, realtime.CHAT_MESSAGE_CHANGED, message=message_payload(message)
    )
    return message
