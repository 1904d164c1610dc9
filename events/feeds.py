"""The personal calendar feed: its secret token, the member behind it, its content.

The feed URL carries a signed random key (``CalendarFeed.key``); renewing the
key (events.services) kills the old URL at once. The token is the feed's only
credential, so an unknown, renewed or forged one finds nobody.
"""

from django.core import signing
from django.db.models import CharField, Exists, QuerySet, Subquery
from django.urls import reverse

from community.models import User
from core.site import absolute_url
from events import ical
from events.models import CalendarFeed, Event, active_signups_of, organizer_rows_of

FEED_SALT = "events.calendar_feed"


def feed_signer() -> signing.Signer:
    return signing.Signer(salt=FEED_SALT)


def feed_token(key: str) -> str:
    """The token in the feed URL for a stored key."""
    return feed_signer().sign(key)


def feed_url(token: str) -> str:
    return absolute_url(reverse("events:feed", kwargs={"token": token}))


def calendar_feed_member(token: str) -> User | None:
    """The member behind a feed token, or None for unknown, renewed or forged tokens."""
    try:
        key = feed_signer().unsign(token or "")
    except signing.BadSignature:
        return None
    feed = CalendarFeed.objects.select_related("member").filter(key=key).first()
    if feed is None or not feed.member.is_active:
        return None
    return feed.member


def feed_events(*, member: User) -> QuerySet[Event]:
    """What a member's personal calendar feed shows: own signups and organized events."""
    return (
        Event.objects.joined_or_organized_by(member)
        .select_related("hosting_municipality")
        .prefetch_related("agenda_items")
        .annotate(
            my_status=Subquery(
                active_signups_of(member).values("status")[:1], output_field=CharField()
            ),
            is_organizer=Exists(organizer_rows_of(member)),
        )
        .order_by("starts_at", "pk")
    )


def feed_calendar(*, member: User) -> bytes:
    """The member's feed as an iCalendar file."""
    return ical.feed_calendar(feed_events(member=member), member=member)
