"""The navigation's chat count, kept live over the bell socket (issue 20).

The "Chat" item counts the member's rooms with unread messages. It changes
when a message makes a read room unread, and when the member reads (or mutes)
a room, perhaps in another tab. Either way the member's open pages get
``chat.unread`` with the new count, through the bell socket every page already
has (``notifications.consumers``: frame ``chat_unread``); only members with a
bell open (``notifications.online``) are counted and sent to.

A message is never held up for it: ``room_activity`` notes the room's seq,
and one thread of the process (one connection) runs the rounds, one at a
time, so a busy room's messages are taken together while one runs. A round
finds the members whose
room just turned unread (their read marker was right before these messages),
asks who of them has a bell open, counts their rooms in one GROUP BY and
sends. In a room of 2,000, once a member has an unread message there,
further messages cost them nothing until they read.
"""

import asyncio
import logging
import os
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync, sync_to_async
from django.db import connections

from chat import selectors
from chat.models import RoomMembership
from core import realtime
from notifications import online

logger = logging.getLogger(__name__)

_lock = threading.Lock()
# room id → (lowest, highest) seq of messages not yet looked at.
_pending: dict[int, tuple[int, int]] = {}
_running = False
# When the round under way last showed life; one silent for longer (its loop
# went away before it ran) no longer holds the next ones back.
_alive_at = 0.0
STALE_SECONDS = 30.0


def counts_push(member_ids: Iterable[int]) -> None:
    """Send these members' open pages their chat count (those with a bell open)."""
    live = sorted(online.filter_online(member_ids))
    if not live:
        return
    counts = selectors.unread_room_counts(member_ids=live)
    realtime.group_send_many(
        [
            (
                realtime.user_group(pk),
                {"type": realtime.CHAT_UNREAD, "unread_rooms": counts.get(pk, 0)},
            )
            for pk in live
        ]
    )


def newly_unread(room_id: int, first_seq: int, last_seq: int) -> list[int]:
    """Members for whom messages ``first_seq``…``last_seq`` turned the room unread:
    their read marker was at ``first_seq - 1`` or later, but before ``last_seq``."""
    return list(
        RoomMembership.objects.filter(
            room_id=room_id,
            member__is_active=True,
            left_at__isnull=True,
            muted=False,
            last_read_seq__gte=first_seq - 1,
            last_read_seq__lt=last_seq,
        ).values_list("member_id", flat=True)
    )


def _drain() -> None:
    """Rounds until nothing is pending; the rooms noted meanwhile come in the next."""
    global _running, _alive_at
    while True:
        with _lock:
            if not _pending:
                _running = False
                return
            room_id, (first, last) = _pending.popitem()
            _alive_at = time.monotonic()
        try:
            counts_push(newly_unread(room_id, first, last))
        except Exception:
            logger.exception("live chat count for room %s failed", room_id)


def _drain_closing() -> None:
    try:
        _drain()
    finally:
        connections.close_all()  # the pooled connection goes back between rounds


# One thread, one round at a time: at most one connection, whatever the traffic.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-unread")
_drain_async = sync_to_async(_drain_closing, thread_sensitive=False, executor=_executor)
_tasks: set[asyncio.Task] = set()


def _main_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of the sockets: this thread's, or the one that runs it (asgiref)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop is not None and loop.is_running() else None


def _on_loop() -> None:
    task = asyncio.get_running_loop().create_task(_drain_async())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def _start() -> None:
    """A round in the thread, its events sent from the sockets' loop (the
    in-memory channel layer wakes no consumer from another loop); without a
    loop (a management command), from the thread."""
    loop = _main_loop()
    if loop is None:
        _executor.submit(_drain_closing)
    else:
        loop.call_soon_threadsafe(_on_loop)


def room_activity(room_id: int, seq: int) -> None:
    """A message with ``seq`` was stored (and committed) in the room: tell whom it concerns.

    Never blocks, nor queries here: the round runs in its own thread."""
    global _running, _alive_at
    with _lock:
        first, last = _pending.get(room_id, (seq, seq))
        _pending[room_id] = (min(first, seq), max(last, seq))
        if _running and time.monotonic() - _alive_at < STALE_SECONDS:
            return
        _running, _alive_at = True, time.monotonic()
    _start()


def _discard() -> None:
    """Forget what is noted (tests whose transaction no thread could see)."""
    global _running
    with _lock:
        _pending.clear()
        _running = False


def wait(timeout: float = 10) -> None:
    """Until the rounds under way are done (tests)."""
    _executor.submit(lambda: None).result(timeout=timeout)
