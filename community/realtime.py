"""Channels group names and event types, defined once for the whole platform."""

# Event types sent through the channel layer (the ``type`` key names the
# consumer method that handles them: "notification.new" -> notification_new).
NOTIFICATION_NEW = "notification.new"


def user_group(user_id: int) -> str:
    """Every open socket of one member (notifications, presence of the bell)."""
    return f"user.{user_id}"


# --- chat (issue 5) ---------------------------------------------------------
# Events sent to a room's group; the consumer method is the type with "_" for ".".
CHAT_MESSAGE = "chat.message"  # a new message, {"message": <MessageSerializer data>}
CHAT_MESSAGE_CHANGED = "chat.message_changed"  # edited or removed, same payload
CHAT_TYPING = "chat.typing"  # {"user": {...}, "channel": sender's channel name}
CHAT_PRESENCE = "chat.presence"  # {"online": [...]}
CHAT_ROOM_CLOSED = "chat.room_closed"  # a moderator closed the room
CHAT_MEMBER_REMOVED = "chat.member_removed"  # {"user_id": ...}: that member's sockets close


def chat_room_group(room_id: int) -> str:
    """Every open socket of one chat room, across all daphne processes."""
    return f"chat.room.{room_id}"


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


def forum_thread_group(thread_id: int) -> str:
    """Every open page of one forum thread."""
    return f"forum.thread.{thread_id}"


def forum_category_group(category_id: int) -> str:
    """Every open thread list of one category (marks new activity)."""
    return f"forum.category.{category_id}"
