"""The start page's "what is new": each section read through its own app's selectors.

Every section is one bounded list, so the page costs the same number of queries
whatever the member's network holds (tests/home/test_start_page.py counts them).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from chat import selectors as chat_selectors
from community import selectors as community_selectors
from community.models import User
from events import selectors as event_selectors
from forum import selectors as forum_selectors
from notifications import selectors as notification_selectors

# How many entries each section shows at most.
SECTION_SIZE = 5
# New members and projects: since the last visit, but at least the last two weeks.
NEW_WINDOW = dt.timedelta(days=14)
# The bell's entries that are about the member's own conversation.
MENTION_AND_REPLY_KINDS = ("forum.mention", "forum.reply", "chat.mention")
# Recent mentions and replies looked at to find the unread ones among them.
MENTIONS_LOOKED_AT = 20


@dataclass
class StartPage:
    threads: list = field(default_factory=list)
    mentions: list = field(default_factory=list)
    my_events: list = field(default_factory=list)
    open_events: list = field(default_factory=list)
    new_members: list = field(default_factory=list)
    new_projects: list = field(default_factory=list)
    rooms: list = field(default_factory=list)
    since: dt.datetime | None = None
    # What is missing from the member's profile: "bio", "expertise", "photo".
    profile_missing: tuple = ()

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.threads,
                self.mentions,
                self.my_events,
                self.open_events,
                self.new_members,
                self.new_projects,
                self.rooms,
            )
        )


def new_since(member: User, now: dt.datetime | None = None) -> dt.datetime:
    """The earlier of the last sign-in and two weeks ago."""
    window = (now or timezone.now()) - NEW_WINDOW
    last = member.last_login
    return min(last, window) if last else window


def unread_mentions_and_replies(*, member: User, limit: int = SECTION_SIZE) -> list:
    """The unread ones among the member's latest mentions and replies.

    Only the public selector and the fields ``kind``, ``text``, ``url``,
    ``created_at`` and ``is_read`` are used: the bell may bundle replies per
    thread (one entry each) without this page changing.
    """
    latest = notification_selectors.notification_list(member=member).filter(
        kind__in=MENTION_AND_REPLY_KINDS
    )[:MENTIONS_LOOKED_AT]
    return [n for n in latest if not n.is_read][:limit]


def _profile_missing(member: User) -> tuple:
    missing = []
    if not member.bio.strip():
        missing.append("bio")
    if not member.expertise_entries.exists():
        missing.append("expertise")
    if not member.photo_id:
        missing.append("photo")
    return tuple(missing)


def start_page(*, viewer: User) -> StartPage:
    since = new_since(viewer)
    rooms = chat_selectors.rooms_with_unread(member=viewer, limit=SECTION_SIZE)
    for room in rooms:
        room.title = chat_selectors.room_title(room, viewer=viewer)
    return StartPage(
        threads=forum_selectors.threads_unread_for(viewer=viewer, limit=SECTION_SIZE),
        mentions=unread_mentions_and_replies(member=viewer),
        my_events=event_selectors.events_signed_up(viewer=viewer, limit=SECTION_SIZE),
        open_events=event_selectors.events_with_open_seats(viewer=viewer, limit=SECTION_SIZE),
        new_members=community_selectors.members_new_in_fields(
            viewer=viewer, since=since, limit=SECTION_SIZE
        ),
        new_projects=community_selectors.projects_new_in_fields(
            viewer=viewer, since=since, limit=SECTION_SIZE
        ),
        rooms=rooms,
        since=since,
        profile_missing=_profile_missing(viewer),
    )
