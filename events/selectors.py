"""Reads of the events app, as querysets ready for their pages and endpoints.

Seat counts, the viewer's own status and organizer flag are annotations, so a
list costs the same few queries for ten events or a hundred. Who sees which
event is ``Event.objects.visible_to`` (events.models); the personal calendar
feed's reads live in events.feeds.
"""

import datetime as dt

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from chat.models import RoomKind
from chat.selectors import object_room_for
from community.models import User
from events.models import Event, Signup, SignupStatus


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
