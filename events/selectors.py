"""Reads of the events app, as querysets ready for their pages and endpoints.

Seat counts, the viewer's own status and organizer flag are annotations, so a
list costs the same few queries for ten events or a hundred. Who sees which
event is ``Event.objects.visible_to`` (events.models); the personal calendar
feed's reads live in events.feeds.
"""

import datetime as dt

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from chat.models import RoomKind
from chat.selectors import object_room_for
from community.models import User
from community.selectors import fields_of
from events.models import (
    Audience,
    Event,
    EventStatus,
    Signup,
    SignupStatus,
    active_signups_of,
    organizer_rows_of,
)
from forum.models import Thread


def event_list(*, viewer: User) -> QuerySet[Event]:
    """Every event the viewer may see, with counts and the viewer's own status."""
    return Event.objects.as_seen_by(viewer)


def event_filter(
    events: QuerySet[Event],
    *,
    starts_from: dt.datetime | None = None,
    starts_before: dt.datetime | None = None,
    kind: str = "",
    format: str = "",
    state: str = "",
    mine_of: User | None = None,
) -> QuerySet[Event]:
    """Narrow a list: time window (overlap), kind, format, state of the host, own events."""
    if starts_from is not None:
        events = events.filter(ends_at__gt=starts_from)
    if starts_before is not None:
        events = events.filter(starts_at__lt=starts_before)
    if kind:
        events = events.filter(kind=kind)
    if format:
        events = events.filter(format=format)
    if state:
        events = events.filter(Q(hosting_municipality__state=state) | Q(audience_state=state))
    if mine_of is not None:
        events = events.joined_or_organized_by(mine_of)
    return events


def event_upcoming(*, viewer: User) -> QuerySet[Event]:
    return event_list(viewer=viewer).filter(ends_at__gt=timezone.now())


def event_archive(*, viewer: User) -> QuerySet[Event]:
    return event_list(viewer=viewer).filter(ends_at__lte=timezone.now()).order_by("-starts_at")


def attendee_list(*, event: Event) -> QuerySet[Signup]:
    """Active signups: confirmed first (in signup order), then the waiting list in order."""
    return (
        Signup.objects.filter(
            event=event, status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]
        )
        .select_related("member", "member__municipality")
        .order_by(F("position").asc(nulls_first=True), "confirmed_at", "created_at", "pk")
    )


def seat_counts(*, event_id: int) -> dict:
    """Fresh counts for the live display of one event."""
    row = (
        Event.objects.filter(pk=event_id)
        .annotate(
            confirmed_count=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)),
            waitlist_count=Count("signups", filter=Q(signups__status=SignupStatus.WAITLISTED)),
        )
        .values("id", "capacity", "confirmed_count", "waitlist_count", "signups_closed", "status")
        .first()
    )
    return row or {}


def event_chat_room(*, event, viewer):
    """The event's chat room, if the viewer is in it (organizers and confirmed participants)."""
    return object_room_for(kind=RoomKind.EVENT, object_id=event.pk, viewer=viewer)


def _upcoming_for_start_page(viewer: User) -> QuerySet[Event]:
    """Upcoming events with the viewer's own status, lean: no prefetches (the start page)."""
    own = active_signups_of(viewer)
    return (
        Event.objects.filter(ends_at__gt=timezone.now())
        .select_related("hosting_municipality")
        .annotate(
            my_status=Subquery(own.values("status")[:1], output_field=CharField()),
            my_position=Subquery(own.values("position")[:1], output_field=IntegerField()),
        )
        .order_by("starts_at", "pk")
    )


def events_signed_up(*, viewer: User, limit: int = 5) -> list[Event]:
    """The next events the viewer holds a seat or a waiting place for (and may still see)."""
    events = _upcoming_for_start_page(viewer).filter(
        pk__in=Event.objects.visible_to(viewer).values("pk")
    )
    return list(events.filter(Exists(active_signups_of(viewer)))[:limit])


def events_with_open_seats(*, viewer: User, limit: int = 5) -> list[Event]:
    """Upcoming events addressed to the viewer, with a free seat and signups open, that are
    hosted in or addressed to the viewer's state or tagged (by their forum thread) with one
    of the viewer's fields; not those the viewer joined or organizes.

    Addressed means the audience rule itself, not ``visible_to``: a moderator sees every
    event, but is not offered another municipality's internal one.
    """
    now = timezone.now()
    municipality = viewer.municipality if viewer.municipality_id else None
    addressed = Q(audience=Audience.NETWORK)
    relevant = Q(
        Exists(
            Thread.tags.through.objects.filter(
                thread_id=OuterRef("forum_thread_id"), expertise__in=fields_of(member=viewer)
            )
        )
    )
    if municipality is not None:
        addressed |= Q(audience=Audience.STATE, audience_state=municipality.state)
        addressed |= Q(audience=Audience.MUNICIPALITY, audience_municipality_id=municipality.pk)
        relevant |= Q(hosting_municipality__state=municipality.state) | Q(
            audience_state=municipality.state
        )
    events = (
        _upcoming_for_start_page(viewer)
        .filter(addressed, relevant, status=EventStatus.SCHEDULED, signups_closed=False)
        .filter(starts_at__gt=now)
        .filter(Q(signup_deadline__isnull=True) | Q(signup_deadline__gt=now))
        .filter(Q(capacity__isnull=True) | Q(seats_taken__lt=F("capacity")))
        .exclude(Exists(active_signups_of(viewer)))
        .exclude(Exists(organizer_rows_of(viewer)))
    )
    return list(events[:limit])
