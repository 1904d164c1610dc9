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
# New members and projects on a first visit (no previous one to count from).
NEW_WINDOW = dt.timedelta(days=14)
# The bell's entries that are about the member's own conversation.
MENTION_AND_REPLY_KINDS = ("forum.mention", "forum.reply", "chat.mention")


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
    # False on a first visit: "new" then means the last two weeks.
    since_previous_visit: bool = False
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


def new_since(previous_visit: dt.datetime | None, now: dt.datetime | None = None) -> dt.datetime:
    """What counts as new: since the previous visit, or the last two weeks on a first one."""
    return previous_visit or (now or timezone.now()) - NEW_WINDOW


def unread_mentions_and_replies(*, member: User, limit: int = SECTION_SIZE) -> list:
    """The member's newest unread mentions and replies, however many read ones are newer.

    One bounded query on the bell's public selector (the partial index of
    unread rows); the bell may bundle replies per thread without this page changing.
    """
    return list(
        notification_selectors.unread_notifications(member=member, kinds=MENTION_AND_REPLY_KINDS)[
            :limit
        ]
    )


def _profile_missing(member: User) -> tuple:
    missing = []
    if not member.bio.strip():
        missing.append("bio")
    if not member.expertise_entries.exists():
        missing.append("expertise")
    if not member.photo_id:
        missing.append("photo")
    return tuple(missing)


def start_page(*, viewer: User, previous_visit: dt.datetime | None = None) -> StartPage:
    """The sections for ``viewer``; members and projects are new since ``previous_visit``."""
    since = new_since(previous_visit)
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
        since_previous_visit=previous_visit is not None,
        profile_missing=_profile_missing(viewer),
    )
