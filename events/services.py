"""Writes of the events app: events, signups, the waiting list, feeds, reminders.

Every function is keyword-only and runs in one transaction. Anything that
changes who holds a seat first locks the event row (``select_for_update``), so
concurrent signups and cancellations of one event happen one after another;
``Event.seats_taken`` and its CHECK constraint are the last line of defence.
E-mails, notifications and live seat broadcasts go out only on commit.
"""

import datetime as dt
import logging
import secrets
import zoneinfo
from collections.abc import Collection, Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chat import services as chat_services
from chat.models import RoomKind, RoomMembership
from community.models import Municipality, User
from community.services import search_index_update
from core import emails, realtime
from core.concurrency import check_version
from core.markdown import render_markdown
from events import notify, realtime_events
from events.access import can_add_event_files, can_address, can_manage_event
from events.feeds import feed_token
from events.models import (
    AgendaItem,
    Audience,
    CalendarFeed,
    Event,
    EventStatus,
    Signup,
    SignupStatus,
    validate_timezone,
)
from files.services import files_attach

logger = logging.getLogger(__name__)

# Waiting-list positions are renumbered in two steps through this offset, so no
# statement ever holds two rows on one position (the unique index is checked per row).
POSITION_SHIFT = 1_000_000_000

# A change to any of these is a new version of the event for calendar programs.
ICAL_FIELDS = (
    "title",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "format",
    "location",
    "address",
    "online_url",
    "status",
)
EDITABLE_FIELDS = {
    *ICAL_FIELDS,
    "kind",
    "capacity",
    "signup_deadline",
    "audience",
    "audience_state",
    "audience_municipality",
    "hosting_municipality",
    "signups_closed",
    "forum_thread",
} - {"status"}


# --- time zones -------------------------------------------------------------
def local_to_aware(value: dt.datetime, tz_name: str, *, field: str) -> dt.datetime:
    """A wall-clock time in ``tz_name`` as an aware datetime.

    Times that do not exist (skipped by the spring change) or exist twice (the
    autumn change) are refused with a reason instead of being guessed.
    """
    validate_timezone(tz_name)
    if value.tzinfo is not None:
        return value
    zone = zoneinfo.ZoneInfo(tz_name)
    first, second = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    roundtrip = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if roundtrip != value:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Diese Uhrzeit gibt es in %(zone)s nicht (Zeitumstellung)."),
                    code="nonexistent_time",
                    params={"zone": tz_name},
                )
            }
        )
    if first.utcoffset() != second.utcoffset():
        raise ValidationError(
            {
                field: ValidationError(
                    _(
                        "Diese Uhrzeit gibt es in %(zone)s zweimal (Zeitumstellung); "
                        "bitte mit Zeitzonen-Versatz angeben."
                    ),
                    code="ambiguous_time",
                    params={"zone": tz_name},
                )
            }
        )
    return first


# --- events -----------------------------------------------------------------
def _clean_event(event: Event) -> None:
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        add("ends_at", _("Das Ende muss nach dem Beginn liegen."), "ends_before_starts")
    if event.signup_deadline and event.ends_at and event.signup_deadline > event.ends_at:
        add(
            "signup_deadline",
            _("Der Anmeldeschluss muss vor dem Ende des Termins liegen."),
            "deadline_after_end",
        )
    if event.capacity is not None and event.capacity < 1:
        add("capacity", _("Mindestens ein Platz – oder leer für unbegrenzt."), "capacity_too_low")
    if event.audience == Audience.STATE:
        event.audience_municipality = None
        if not event.audience_state:
            add("audience_state", _("Bitte ein Bundesland wählen."), "required")
    elif event.audience == Audience.MUNICIPALITY:
        event.audience_state = ""
        if event.audience_municipality_id is None:
            add("audience_municipality", _("Bitte eine Kommune wählen."), "required")
    else:
        event.audience_state, event.audience_municipality = "", None
    if errors:
        raise ValidationError(errors)
    event.full_clean(exclude=["organizers"])


def _set_agenda(*, event: Event, agenda: Iterable[dict]) -> None:
    event.agenda_items.all().delete()
    items = []
    for order, entry in enumerate(agenda):
        item = AgendaItem(
            event=event,
            order=order,
            starts_at=entry["starts_at"],
            ends_at=entry.get("ends_at"),
            title=(entry.get("title") or "").strip(),
            speaker=(entry.get("speaker") or "").strip(),
        )
        if item.ends_at is not None and item.ends_at <= item.starts_at:
            raise ValidationError(
                {
                    "agenda": ValidationError(
                        _("Programmpunkt „%(title)s“: Das Ende muss nach dem Beginn liegen."),
                        code="ends_before_starts",
                        params={"title": item.title},
                    )
                }
            )
        try:
            item.full_clean(exclude=["event"])
        except ValidationError as exc:
            raise ValidationError({"agenda": exc.messages}) from exc
        items.append(item)
    AgendaItem.objects.bulk_create(items)


def _set_organizers(*, event: Event, organizers: Iterable[User]) -> None:
    organizers = list(organizers)
    if any(not o.is_active for o in organizers):
        raise ValidationError(
            {
                "organizers": ValidationError(
                    _("Nur aktive Mitglieder organisieren."), code="inactive"
                )
            }
        )
    before = set(event.organizers.values_list("pk", flat=True))
    event.organizers.set(organizers)
    _reindex_organizers(event, also=before)


def _reindex_organizers(event: Event, *, also: Iterable[int] = ()) -> None:
    """Events led are evidence in the expertise search (community.services)."""
    search_index_update(member_ids={*event.organizers.values_list("pk", flat=True), *also})


@transaction.atomic
def event_create(
    *,
    created_by: User,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    timezone: str = "Europe/Berlin",
    kind: str = "netzwerktreffen",
    description: str = "",
    format: str = "in_person",
    location: str = "",
    address: str = "",
    online_url: str = "",
    capacity: int | None = None,
    signup_deadline: dt.datetime | None = None,
    audience: str = Audience.NETWORK,
    audience_state: str = "",
    audience_municipality: Municipality | None = None,
    hosting_municipality: Municipality | None = None,
    signups_closed: bool = False,
    forum_thread=None,
    organizers: Iterable[User] = (),
    agenda: Iterable[dict] = (),
    attachments: list | None = None,
) -> Event:
    """Create an event; its creator is always one of its organizers.

    ``attachments``: ids of the creator's uploaded files, the event's documents.
    """
    event = Event(
        title=(title or "").strip(),
        kind=kind,
        description=description or "",
        description_html=render_markdown(description or ""),
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone,
        format=format,
        location=(location or "").strip(),
        address=(address or "").strip(),
        online_url=(online_url or "").strip(),
        capacity=capacity,
        signup_deadline=signup_deadline,
        audience=audience,
        audience_state=audience_state or "",
        audience_municipality=audience_municipality,
        hosting_municipality=hosting_municipality,
        signups_closed=signups_closed,
        forum_thread=forum_thread,
        created_by=created_by,
    )
    _clean_event(event)
    _check_audience(event, by=created_by)
    event.save()
    _set_organizers(event=event, organizers=[created_by, *organizers])
    _set_agenda(event=event, agenda=agenda)
    if attachments:
        files_attach(user=created_by, ids=attachments, target=event)
    _sync_chat_room(event)
    return event


def _audience_of(event: Event) -> tuple:
    return (event.audience, event.audience_state, event.audience_municipality_id)


def _check_audience(event: Event, *, by: User | None) -> None:
    """Refuse an audience the author may not address (see ``access.can_address``)."""
    if by is None or can_address(by, *_audience_of(event)):
        return
    raise ValidationError(
        {
            "audience": ValidationError(
                _(
                    "Termine gehen nur an das ganze Netzwerk, das eigene Bundesland oder die "
                    "eigene Kommune."
                ),
                code="audience_forbidden",
            )
        }
    )


def _lock(event: Event) -> Event:
    """The event row, locked until the end of the transaction."""
    return Event.objects.select_for_update().get(pk=event.pk)


@transaction.atomic
def event_update(
    *,
    event: Event,
    organizers: Iterable[User] | None = None,
    agenda: Iterable[dict] | None = None,
    expected_version: int | Collection[int] | None = None,
    by: User | None = None,
    attachments: list | None = None,
    **fields,
) -> Event:
    """Change an event; SEQUENCE grows when calendar programs must update their copy.

    ``attachments`` (by an organizer, ``by``) replaces the list of documents:
    those left out are deleted, participants' ones included.

    A smaller capacity may not drop below the confirmed seats; a larger one
    moves people up from the waiting list at once. With ``expected_version``,
    an event changed meanwhile raises VersionConflict (under the row lock).
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"event_update() got unexpected fields {sorted(unknown)}")
    locked = _lock(event)
    check_version(locked, expected_version)
    if locked.is_cancelled:
        raise ValidationError(
            _("Ein abgesagter Termin kann nicht mehr geändert werden."), code="event_cancelled"
        )
    before = {name: getattr(locked, name) for name in ICAL_FIELDS}
    audience_before = _audience_of(locked)
    for name, value in fields.items():
        if isinstance(value, str) and name != "description":
            value = value.strip()
        setattr(locked, name, value)
    if "description" in fields:
        locked.description_html = render_markdown(locked.description)
    if locked.capacity is not None and locked.capacity < locked.seats_taken:
        raise ValidationError(
            {
                "capacity": ValidationError(
                    _(
                        "Es sind schon %(confirmed)s Plätze bestätigt; die Zahl der Plätze "
                        "kann nicht darunter sinken."
                    ),
                    code="capacity_below_confirmed",
                    params={"confirmed": locked.seats_taken},
                )
            }
        )
    _clean_event(locked)
    if _audience_of(locked) != audience_before:
        _check_audience(locked, by=by)
    changed = any(getattr(locked, name) != value for name, value in before.items())
    if agenda is not None:
        _set_agenda(event=locked, agenda=agenda)
        changed = True
    if organizers is not None:
        _set_organizers(event=locked, organizers=organizers)
    elif {"title", "audience"} & set(fields):
        _reindex_organizers(locked)
    if attachments is not None:
        if by is None or not can_manage_event(by, locked):
            raise ValidationError(
                {
                    "attachments": ValidationError(
                        _("Unterlagen eines Termins ändert seine Organisation."),
                        code="invalid_attachment",
                    )
                }
            )
        files_attach(user=by, ids=attachments, target=locked)
    if changed:
        locked.sequence += 1
    locked.updated_at = timezone.now()
    locked.version += 1
    locked.save()
    _fill_free_seats(locked)
    _after_seat_change(locked)
    if organizers is not None or AUDIENCE_FIELDS & set(fields):
        _sockets_recheck_on_commit(locked)
    return locked


AUDIENCE_FIELDS = {"audience", "audience_state", "audience_municipality"}


def _sockets_recheck_on_commit(event: Event) -> None:
    """Open pages of the event check whether their member may still see it (4404 if not)."""
    group = realtime.event_group(event.pk)
    realtime.send_on_commit(group, {"type": realtime.SOCKET_RECHECK})


@transaction.atomic
def event_files_add(*, event: Event, member: User, attachments: list) -> Event:
    """Add documents to an event, keeping the ones it has (see events.access for who).

    For participants, who may not edit the event: organizers, moderators, and
    confirmed participants once the event has begun. Removing one is deleting
    the file (its uploader, or the organization).
    """
    locked = _lock(event)
    if not can_add_event_files(member, locked):
        raise ValidationError(
            {
                "attachments": ValidationError(
                    _(
                        "Unterlagen fügen die Organisation und, sobald der Termin begonnen "
                        "hat, die bestätigten Teilnehmenden hinzu."
                    ),
                    code="not_allowed",
                )
            }
        )
    current = [str(pk) for pk in locked.attachments.values_list("pk", flat=True)]
    new = [str(pk) for pk in attachments if str(pk) not in current]
    files_attach(user=member, ids=[*current, *new], target=locked)
    return locked


@transaction.atomic
def event_set_signups_closed(*, event: Event, closed: bool = True) -> Event:
    return event_update(event=event, signups_closed=closed)


@transaction.atomic
def event_cancel(*, event: Event, by: User | None = None) -> Event:
    """Cancel the event; everybody signed up and every organizer is told by e-mail."""
    locked = _lock(event)
    if locked.is_cancelled:
        return locked
    locked.status = EventStatus.CANCELLED
    locked.sequence += 1
    locked.updated_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "sequence", "updated_at", "version"])
    _reindex_organizers(locked)
    member_ids = set(
        Signup.objects.filter(
            event=locked, status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]
        ).values_list("member_id", flat=True)
    ) | set(locked.organizers.values_list("pk", flat=True))
    members = list(User.objects.filter(pk__in=member_ids, is_active=True))
    notify.event_cancelled(event=locked, members=members, by=by)

    def send():
        for member in members:
            emails.send(
                to=member.email,
                template="events/email/event_cancelled",
                context={"member": member, "event": locked},
            )

    transaction.on_commit(send)
    _after_seat_change(locked)
    return locked


# --- signups ------------------------------------------------------------------
def _refuse(message: str, code: str):
    raise ValidationError(message, code=code)


def _shift_waitlist_down(event: Event, *, above: int, by: int) -> None:
    """Close a gap: positions greater than ``above`` move ``by`` places up the list."""
    if by <= 0:
        return
    waiting = Signup.objects.filter(event=event, status=SignupStatus.WAITLISTED)
    waiting.filter(position__gt=above).update(position=F("position") + POSITION_SHIFT - by)
    waiting.filter(position__gt=POSITION_SHIFT).update(position=F("position") - POSITION_SHIFT)


def _fill_free_seats(event: Event) -> list[Signup]:
    """Move people up from the head of the waiting list while seats are free.

    Runs under the event's row lock; returns the signups that were promoted.
    """
    if event.is_cancelled or event.is_past:
        return []
    promoted: list[Signup] = []
    free = None if event.capacity is None else event.capacity - event.seats_taken
    waiting = Signup.objects.filter(event=event, status=SignupStatus.WAITLISTED).order_by(
        "position"
    )
    candidates = list(waiting if free is None else waiting[: max(free, 0)])
    if not candidates:
        return []
    now = timezone.now()
    for signup in candidates:
        signup.status, signup.position, signup.confirmed_at = SignupStatus.CONFIRMED, None, now
        signup.save(update_fields=["status", "position", "confirmed_at"])
        promoted.append(signup)
    Event.objects.filter(pk=event.pk).update(seats_taken=F("seats_taken") + len(promoted))
    event.seats_taken += len(promoted)
    _shift_waitlist_down(event, above=len(promoted), by=len(promoted))
    for signup in promoted:
        _tell_promoted(signup, event)
    return promoted


def _tell_promoted(signup: Signup, event: Event) -> None:
    member = signup.member
    notify.member_promoted(signup=signup)
    transaction.on_commit(
        lambda: emails.send(
            to=member.email,
            template="events/email/promoted",
            context={"member": member, "event": event},
        )
    )


def _after_seat_change(event: Event) -> None:
    """Live seat counts for the event's open pages, once the change is committed."""
    _sync_chat_room(event)
    event_id = event.pk
    transaction.on_commit(lambda: realtime_events.broadcast_seats(event_id=event_id))


def _sync_chat_room(event: Event) -> None:
    """The event's chat room holds its organizers and confirmed participants, nobody else."""
    wanted = list(
        User.objects.filter(is_active=True)
        .filter(
            Q(organized_events=event)
            | Q(event_signups__event=event, event_signups__status=SignupStatus.CONFIRMED)
        )
        .distinct()
    )
    room = chat_services.room_ensure_for_object(
        kind=RoomKind.EVENT, object_id=event.pk, name=event.title, members=wanted
    )
    leaving = User.objects.filter(
        pk__in=RoomMembership.objects.filter(room=room, left_at__isnull=True)
        .exclude(member__in=wanted)
        .values("member_id")
    )
    if leaving:
        chat_services.room_remove_members(room=room, members=list(leaving))


@transaction.atomic
def signup_create(*, event: Event, member: User, added_by: User | None = None) -> Signup:
    """Sign a member up: confirmed while seats are free, otherwise on the waiting list.

    ``added_by`` is an organizer entering someone; they may do so after the
    deadline and with signups closed, but never beyond the capacity.
    """
    locked = _lock(event)
    if locked.is_cancelled:
        _refuse(_("Dieser Termin ist abgesagt."), "event_cancelled")
    if locked.is_past:
        _refuse(_("Dieser Termin ist schon vorbei."), "event_past")
    if not member.is_active:
        _refuse(_("Dieses Konto ist deaktiviert."), "inactive")
    if added_by is None:
        if locked.signups_closed:
            _refuse(_("Die Anmeldung zu diesem Termin ist geschlossen."), "signups_closed")
        if locked.signup_deadline and timezone.now() > locked.signup_deadline:
            _refuse(_("Der Anmeldeschluss ist vorbei."), "deadline_passed")
    active = Signup.objects.filter(
        event=locked, member=member, status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]
    )
    if active.exists():
        _refuse(_("Sie sind für diesen Termin schon angemeldet."), "already_signed_up")
    now = timezone.now()
    signup = Signup(event=locked, member=member, added_by=added_by, created_at=now)
    if locked.capacity is None or locked.seats_taken < locked.capacity:
        signup.status, signup.confirmed_at = SignupStatus.CONFIRMED, now
    else:
        last = Signup.objects.filter(event=locked, status=SignupStatus.WAITLISTED).aggregate(
            last=Max("position")
        )["last"]
        signup.status, signup.position = SignupStatus.WAITLISTED, (last or 0) + 1
    try:
        with transaction.atomic():
            signup.save()
            if signup.status == SignupStatus.CONFIRMED:
                # The CHECK constraint event_never_overbooked guards this update.
                Event.objects.filter(pk=locked.pk).update(seats_taken=F("seats_taken") + 1)
    except IntegrityError as exc:
        raise ValidationError(
            _("Die Anmeldung ist mit einer gleichzeitigen kollidiert; bitte erneut versuchen."),
            code="conflict",
        ) from exc
    _after_seat_change(locked)
    return signup


@transaction.atomic
def signup_cancel(*, event: Event, member: User, by: User | None = None) -> Signup | None:
    """Cancel a member's signup; a freed seat goes to the first person waiting, at once.

    Returns the promoted signup, if any. ``by`` is an organizer removing someone.
    """
    locked = _lock(event)
    signup = (
        Signup.objects.select_for_update()
        .filter(
            event=locked,
            member=member,
            status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED],
        )
        .first()
    )
    if signup is None:
        _refuse(_("Keine Anmeldung zu diesem Termin gefunden."), "not_signed_up")
    was_confirmed, old_position = signup.status == SignupStatus.CONFIRMED, signup.position
    signup.status, signup.position, signup.cancelled_at = (
        SignupStatus.CANCELLED,
        None,
        timezone.now(),
    )
    signup.save(update_fields=["status", "position", "cancelled_at"])
    promoted: list[Signup] = []
    if was_confirmed:
        Event.objects.filter(pk=locked.pk).update(seats_taken=F("seats_taken") - 1)
        locked.seats_taken -= 1
        promoted = _fill_free_seats(locked)
    else:
        _shift_waitlist_down(locked, above=old_position, by=1)
    _after_seat_change(locked)
    return promoted[0] if promoted else None


# --- personal calendar feed ---------------------------------------------------
@transaction.atomic
def calendar_feed_token(*, member: User) -> str:
    """The secret token of the member's feed URL, created on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(
        member=member, defaults={"key": secrets.token_urlsafe(24)}
    )
    return feed_token(feed.key)


@transaction.atomic
def calendar_feed_renew(*, member: User) -> str:
    """A new secret; the old feed URL stops working at once."""
    key = secrets.token_urlsafe(24)
    CalendarFeed.objects.update_or_create(
        member=member, defaults={"key": key, "created_at": timezone.now()}
    )
    return feed_token(key)


# --- reminders ------------------------------------------------------------------
@transaction.atomic
def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind confirmed participants of events starting within the next 24 hours, once.

    The signups are marked in the same transaction (skipping rows another run
    holds), so overlapping cron runs never remind anyone twice.
    """
    now = now or timezone.now()
    due = list(
        Signup.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            status=SignupStatus.CONFIRMED,
            reminded_at__isnull=True,
            event__status=EventStatus.SCHEDULED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + dt.timedelta(days=1),
            member__is_active=True,
        )
        .select_related("event", "member")
    )
    if not due:
        return 0
    Signup.objects.filter(pk__in=[s.pk for s in due]).update(reminded_at=now)

    def send():
        for signup in due:
            emails.send(
                to=signup.member.email,
                template="events/email/reminder",
                context={"member": signup.member, "event": signup.event},
            )

    transaction.on_commit(send)
    return len(due)
