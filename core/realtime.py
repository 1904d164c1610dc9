"""Channels group names and event types, defined once for the whole platform,
and the one helper that sends to a group (now or when the transaction commits)."""

import asyncio
import hashlib
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def group_send(group: str, event: dict) -> None:
    """Deliver a live event now; a failure loses nothing (pages reload from the database)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        logger.exception("live delivery to %s failed", group)


# Sends of one ``group_send_many`` in flight at once (each takes a pooled connection).
SEND_MANY_CONCURRENCY = 50


def group_send_many(sends: list[tuple[str, dict]]) -> None:
    """Deliver many live events (one per group) in a single hop to the event loop.

    ``group_send`` per member costs a thread hop each; a reply watched by
    1,600 members rings 1,600 bells through this one call instead. A failure
    loses nothing (pages reload from the database).
    """
    layer = get_channel_layer()
    if layer is None or not sends:
        return

    async def send_all():
        for start in range(0, len(sends), SEND_MANY_CONCURRENCY):
            chunk = sends[start : start + SEND_MANY_CONCURRENCY]
            results = await asyncio.gather(
                *(layer.group_send(group, event) for group, event in chunk),
                return_exceptions=True,
            )
            for (group, _event), result in zip(chunk, results, strict=True):
                if isinstance(result, Exception):
                    logger.error("live delivery to %s failed", group, exc_info=result)

    try:
        async_to_sync(send_all)()
    except Exception:
        logger.exception("live delivery to %d groups failed", len(sends))


def send_on_commit(group: str, event: dict) -> None:
    """Deliver a live event once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: group_send(group, event))


# Event types sent through the channel layer (the ``type`` key names the
# consumer method that handles them: "notification.new" -> notification_new).
NOTIFICATION_NEW = "notification.new"
# The member's unread count changed without a new entry (read, withdrawn):
# {"unread_count": n}.
NOTIFICATION_COUNT = "notification.count"
# The member's count of chat rooms with unread messages changed (a message in
# a room they had read, or they read or muted one): {"unread_rooms": n}; the
# bell socket passes it to the navigation (frame "chat_unread").
CHAT_UNREAD = "chat.unread"


def user_group(user_id: int) -> str:
    """Every open socket of one member (notifications, presence of the bell)."""
    return f"user.{user_id}"


# --- every socket's lifetime (issue 16) ----------------------------------------
# Sent to a credential's group when its row goes (logout, password change, a
# revoked token), and to a member's sockets when they are deactivated or
# erased: every socket it reaches closes with 4401 (core.ws_auth).
SOCKET_ENDED = "socket.ended"
# Sent to a member's sockets when their role or municipality changed, and to an
# event's group when its audience or organizers changed: whoever watches
# something checks again that they may (events close with 4404 when not).
SOCKET_RECHECK = "socket.recheck"


def credential_group(kind: str, key) -> str:
    """Every open socket opened with one credential (``kind`` "session" or "token",
    ``key`` its row's primary key). Hashed: group names reach Redis, keys must not."""
    digest = hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()[:40]
    return f"auth.{digest}"


def member_sockets_group(user_id: int) -> str:
    """Every open socket of one member, of every kind (forum, events, chat, bell)."""
    return f"sockets.user.{user_id}"


# --- chat (issue 5) ---------------------------------------------------------
# Events sent to a room's group; the consumer method is the type with "_" for ".".
# A new message, {"message": <MessageSerializer data>}; from a socket instead
# {"frame": <the socket frame as JSON text>}, encoded once for all recipients.
CHAT_MESSAGE = "chat.message"
CHAT_MESSAGE_CHANGED = "chat.message_changed"  # edited or removed, same payload
CHAT_TYPING = "chat.typing"  # {"user": {...}, "channel": sender's channel name}
CHAT_PRESENCE = "chat.presence"  # {"online": [...]}
CHAT_ROOM_CLOSED = "chat.room_closed"  # a moderator closed the room
# Sent to a member's chat group on commit when they may have lost a room (left
# or removed from it, moved municipality, new role, deactivated): {"room_id":
# the room, or None for all}. Their sockets check access again; lost: 4403.
CHAT_ACCESS_CHANGED = "chat.access_changed"


# Room events travel over this channel layer where one is configured (with
# Redis: pub/sub, settings.CHANNEL_LAYERS), else over the default one; every
# other group uses the default layer. ``chat.hub`` picks the layer.
CHAT_ROOM_LAYER = "chat_rooms"
_CHAT_ROOM_GROUP_PREFIX = "chat.room."


def chat_room_group(room_id: int) -> str:
    """Every open socket of one chat room, across all daphne processes."""
    return f"{_CHAT_ROOM_GROUP_PREFIX}{room_id}"


def is_chat_room_group(group: str) -> bool:
    return group.startswith(_CHAT_ROOM_GROUP_PREFIX)


def chat_user_group(user_id: int) -> str:
    """Every open chat socket of one member (only chat consumers join it)."""
    return f"chat.user.{user_id}"


# --- events (issue 6: Termine) ------------------------------------------------
# Live seat counts on an event's page; sent by events.services on commit.
EVENT_SEATS = "event.seats"


def event_group(event_id: int) -> str:
    """Every open page of one event (seat counts)."""
    return f"events.event.{event_id}"


# --- forum (issue 4) ----------------------------------------------------------
# Sent to a thread's group on commit by forum.services; payload {"post": <PostSerializer data>}.
FORUM_POST_NEW = "forum.post_new"  # a reply appeared
FORUM_POST_CHANGED = "forum.post_changed"  # edited, deleted, hidden, marked as solution
# Sent to a category's group: {"thread": {"id", "post_count", "last_activity_at"}}.
FORUM_THREAD_ACTIVITY = "forum.thread_activity"
# Sent to a category's group when a thread starts: {"thread": <ThreadSerializer data>}.
FORUM_THREAD_NEW = "forum.thread_new"


def forum_thread_group(thread_id: int) -> str:
    """Every open page of one forum thread."""
    return f"forum.thread.{thread_id}"


def forum_category_group(category_id: int) -> str:
    """Every open thread list of one category (marks new activity)."""
    return f"forum.category.{category_id}"
