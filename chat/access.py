"""Who may see and write in which chat room.

A missing room and one the member may not enter look the same over REST
(Http404). The WebSocket contract tells them apart (4404 vs 4403), so
``room_access`` reports which one it was.
"""

import enum
import re

from django.http import Http404

from chat.models import Message, Room, RoomKind, RoomMembership
from community.models import User

SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,100}\Z")


class Access(enum.Enum):
    OK = "ok"
    FORBIDDEN = "forbidden"
    MISSING = "missing"


def can_enter(user: User, room: Room, membership: RoomMembership | None) -> bool:
    """Open rooms by kind (network: everyone; city rooms: the city's members and
    moderators); every other kind by an active membership only, so that nobody,
    not even a moderator, reads a private conversation uninvited."""
    if not user.is_authenticated or not user.is_active:
        return False
    if room.kind == RoomKind.NETWORK:
        return True
    if room.kind == RoomKind.MUNICIPALITY:
        return user.municipality_id == room.municipality_id or can_moderate(user, room)
    return membership is not None and membership.left_at is None


def _membership(user: User, room: Room) -> RoomMembership | None:
    return RoomMembership.objects.filter(room=room, member=user).first()


def room_access(user: User, slug: str) -> tuple[Access, Room | None]:
    if not user.is_authenticated or not isinstance(slug, str) or not SLUG.match(slug):
        return Access.MISSING, None  # never hand a NUL or a megabyte to the database
    room = Room.objects.filter(slug=slug).first()
    if room is None:
        return Access.MISSING, None
    membership = _membership(user, room) if room.by_membership else None
    if not can_enter(user, room, membership):
        return Access.FORBIDDEN, room
    return Access.OK, room


def access_room(user: User, slug: str) -> Room:
    """The room, or Http404 whether it is missing or closed to this member."""
    status, room = room_access(user, slug)
    if status is not Access.OK:
        raise Http404
    return room


def access_room_as_member(user: User, slug: str) -> Room:
    """A room the member is in (an active membership, not muted or not), or Http404:
    marking read from outside the room (the start page) never joins one."""
    room = access_room(user, slug)
    if not RoomMembership.objects.filter(room=room, member=user, left_at__isnull=True).exists():
        raise Http404
    return room


def can_moderate(user: User, room: Room | None = None) -> bool:
    """Close rooms, delete others' messages, open topic rooms: the moderation (and the
    administration), in every room; the one helper of the chat that asks for it."""
    return user.is_authenticated and user.is_moderator


def can_create_room(user: User, kind: str) -> bool:
    """Open topic rooms (network) come from the moderation alone; a private room
    or a direct conversation any active member may start. (Rooms of municipalities,
    projects and events are made by their services, with no creator.)"""
    if not user.is_authenticated or not user.is_active:
        return False
    if kind == RoomKind.NETWORK:
        return can_moderate(user)
    return True


def can_change_message(user: User, message: Message) -> bool:
    """Authors edit and delete their own messages."""
    return (
        user.is_authenticated
        and message.deleted_at is None
        and message.author_id is not None
        and message.author_id == user.pk
    )


def access_message(user: User, room: Room, seq) -> Message:
    try:
        return Message.objects.select_related("author", "room").get(room=room, seq=int(seq))
    except (Message.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


# --- attached files (registered with files.registry in ChatConfig.ready) -------------
def can_see_message_files(user: User, message: Message) -> bool:
    """Who may read the room reads the files of its messages (not of a deleted one).

    Asked again on every download, so a member who left a private room, or
    moved to another municipality, loses its files at once.
    """
    if message.deleted_at is not None or not user.is_authenticated or not user.is_active:
        return False
    room = message.room
    membership = _membership(user, room) if room.by_membership else None
    return can_enter(user, room, membership)


def can_manage_message_files(user: User, message: Message) -> bool:
    """The author (who may edit the message) and, in rooms they may read, the moderators."""
    if can_change_message(user, message):
        return True
    return can_moderate(user, message.room) and can_see_message_files(user, message)
