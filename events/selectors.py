"""Reads of the events app, as querysets ready for their pages and endpoints.

Seat counts, the viewer's own status and organizer flag are annotations, so a
list costs the same few queries for ten events or a hundred.
"""

import datetime as dt

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from community.models import User
from events import access
from events.models import AgendaItem, Event, Signup, SignupStatus


def _own_signup(viewer: User):
    return Signup.objects.filter(
        event_id=OuterRef("pk"),
        member_id=viewer.pk,
        status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED],
    )


def event_list(*, viewer: User) -> QuerySet[Event]:
    """Every event the viewer may see, with counts and the viewer's own status."""
    organized = Event.organizers.through.objects.filter(event_id=OuterRef("pk"), user_id=viewer.pk)
    return (
        Event.objects.filter(access.visible_q(viewer))
        .select_related("hosting_municipality", "audience_municipality", "forum_thread")
        .prefetch_related(
            Prefetch("organizers", queryset=User.objects.only("id", "display_name", "handle")),
            Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("order", "starts_at")),
        )
        .annotate(
            confirmed_count=Count(
                "signups", filter=Q(signups__status=SignupStatus.CONFIRMED), distinct=True
            ),
            waitlist_count=Count(
                "signups", filter=Q(signups__status=SignupStatus.WAITLISTED), distinct=True
            ),
            my_status=Subquery(_own_signup(viewer).values("status")[:1], output_field=CharField()),
            my_position=Subquery(
                _own_signup(viewer).values("position")[:1], output_field=IntegerField()
            ),
            is_organizer=Exists(organized),
        )
        .order_by("starts_at", "pk")
    )


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
        # Subqueries, not joins: a join on signups would multiply the annotated counts.
        own = Signup.objects.filter(
            event_id=OuterRef("pk"),
            member_id=mine_of.pk,
            status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED],
        )
        organized = Event.organizers.through.objects.filter(
            event_id=OuterRef("pk"), user_id=mine_of.pk
        )
        events = events.filter(Q(Exists(own)) | Q(Exists(organized)))
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


def feed_events(*, member: User) -> QuerySet[Event]:
    """What a member's personal calendar feed shows: own signups and organized events."""
    own = Signup.objects.filter(
        event_id=OuterRef("pk"),
        member_id=member.pk,
        status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED],
    )
    organized = Event.organizers.through.objects.filter(event_id=OuterRef("pk"), user_id=member.pk)
    return (
        Event.objects.filter(Q(Exists(own)) | Q(Exists(organized)))
        .select_related("hosting_municipality")
        .prefetch_related("agenda_items")
        .annotate(
            my_status=Subquery(own.values("status")[:1], output_field=CharField()),
            is_organizer=Exists(organized),
        )
        .order_by("starts_at", "pk")
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


def calendar_feed_member(token: str) -> User | None:
    """The member behind a feed token, or None for unknown, renewed or forged tokens."""
    from django.core import signing

    from events.models import CalendarFeed
    from events.services import feed_signer

    try:
        key = feed_signer().unsign(token or "")
    except signing.BadSignature:
        return None
    feed = CalendarFeed.objects.select_related("member").filter(key=key).first()
    if feed is None or not feed.member.is_active:
        return None
    return feed.member


def event_chat_room(*, event, viewer):
    """The event's chat room, if the viewer is in it (organizers and confirmed participants)."""
    from chat.models import RoomKind
    from chat.selectors import object_room_for

    return object_room_for(kind=RoomKind.EVENT, object_id=event.pk, viewer=viewer)
