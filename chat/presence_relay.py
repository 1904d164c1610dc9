"""A process's part in presence: one heartbeat for all its sockets, changes sent once.

Every socket used to run a heartbeat task of its own that also re-read the
room's whole online list; a quiet socket now costs no task at all. Per event
loop (daphne: per process) one ticker refreshes the heartbeats of all the
process's sockets of a room in one call, sweeps out sockets whose process
vanished, and re-joins the groups a Redis restart would have forgotten.

Each socket is also in groups of its own (the member's, the credential's).
Joining them again at every heartbeat cost some six Redis commands per socket
and 15 s, half of a quiet room's Redis traffic (docs/performance.md). Now a
socket joins them again only when the heartbeat finds it forgotten (presence
lives in the same Redis as the groups: whatever lost the one lost the other)
and, so that a long-lived socket's membership never lapses, every quarter of
the layer's ``group_expiry``. A process that crashed stops renewing, and its
channels drop out of the groups after ``group_expiry`` as before.

Changes go to the room's group as one event with the frame already encoded
(each process writes the same text to its sockets). A process gathers its
joins and leaves of a room before it sends one frame: in rooms with at most
``LIST_LIMIT`` people online for ``LIST_SECONDS``, and the frame is then the
whole (short) list as it is when sent; in larger rooms for ``DELTA_SECONDS``,
and the frame is a delta. A mass reconnect of a thousand sockets makes a few
frames per second for each socket, not a thousand; nor does a join storm into
a small room, which used to send the whole list to everyone at every join
(5,816 lists for 500 sockets joining, and the heap they churned stayed with
the process: docs/performance.md, issue 22). A joining socket gets its own
list at once, shared with the sockets joining the same room at the same time.
"""

import asyncio
import json
import logging
import time
import weakref

from django.conf import settings

from chat import coalesce, hub, presence
from core import realtime

logger = logging.getLogger(__name__)

#: How long a process gathers joins and leaves of a large room into one delta.
DELTA_SECONDS = 1.0
#: How long a process gathers joins and leaves of a small room into one list.
LIST_SECONDS = 0.25
#: channels' default ``group_expiry``, for a layer that does not say.
GROUP_EXPIRY = 86400


def delta_seconds() -> float:
    return getattr(settings, "CHAT_PRESENCE_DELTA_SECONDS", DELTA_SECONDS)


def list_seconds() -> float:
    return getattr(settings, "CHAT_PRESENCE_LIST_SECONDS", LIST_SECONDS)


def renewal_seconds(consumer) -> float:
    """How often a socket's own groups are joined again although nothing was lost:
    well within its layer's ``group_expiry``, after which a membership lapses."""
    layer = getattr(consumer, "channel_layer", None)
    return getattr(layer, "group_expiry", GROUP_EXPIRY) / 4


def encode(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"))


def list_frame(online: list[dict], count: int) -> dict:
    return {"type": "presence", "online": online, "online_count": count}


async def _fetch_list(room_id: int) -> tuple[str, int]:
    online, count = await presence.store().snapshot(room_id)
    return encode(list_frame(online, count)), count


async def _list(room_id: int) -> tuple[str, int]:
    return await coalesce.coalescer("presence", _fetch_list).get(room_id)


async def list_text(room_id: int) -> str:
    """The room's ``presence`` list frame, encoded: read once for all the sockets of
    this process asking at the same time (a join storm), and read after they asked."""
    return (await _list(room_id))[0]


class _Room:
    def __init__(self) -> None:
        self.sockets: dict[str, object] = {}  # channel name → consumer
        self.joined: dict[int, dict] = {}  # gathered for the next delta
        self.left: dict[int, dict] = {}
        self.count = 0
        self.flush: asyncio.TimerHandle | None = None
        self.typing_second = 0
        self.typing_sent = 0
        self.groups_renewed = time.monotonic()  # the sockets joined their groups themselves


class Relay:
    """The sockets of one event loop, by room."""

    def __init__(self) -> None:
        self.rooms: dict[int, _Room] = {}
        self.ticker: asyncio.Task | None = None

    # --- sockets come and go -------------------------------------------------------------
    async def join(self, room_id: int, consumer) -> str:
        """Count the socket in; returns the list frame (encoded) it should show."""
        room = self.rooms.setdefault(room_id, _Room())
        room.sockets[consumer.channel_name] = consumer
        self._start_ticker()
        change = await presence.store().join(room_id, consumer.me, consumer.channel_name)
        await self.changed(room_id, change)
        return await list_text(room_id)

    async def leave(self, room_id: int, consumer) -> None:
        room = self.rooms.get(room_id)
        if room is not None:
            room.sockets.pop(consumer.channel_name, None)
            if not room.sockets and not room.joined and not room.left:
                self._forget(room_id)
        change = await presence.store().leave(room_id, [consumer.channel_name])
        await self.changed(room_id, change)

    def count(self, room_id: int) -> int:
        room = self.rooms.get(room_id)
        return room.count if room is not None else 0

    def allow_typing(self, room_id: int, per_second: int) -> bool:
        """At most ``per_second`` typing hints of a room leave this process per second."""
        room = self.rooms.get(room_id)
        if room is None:
            return False
        second = int(time.monotonic())
        if second != room.typing_second:
            room.typing_second, room.typing_sent = second, 0
        if room.typing_sent >= per_second:
            return False
        room.typing_sent += 1
        return True

    def _forget(self, room_id: int) -> None:
        room = self.rooms.pop(room_id, None)
        if room is not None and room.flush is not None:
            room.flush.cancel()

    # --- telling the room -----------------------------------------------------------------
    async def changed(self, room_id: int, change: presence.Change) -> None:
        room = self.rooms.get(room_id)
        if room is not None:
            room.count = change.count
        if not change:
            return
        if room is None:  # the last local socket left: tell the room now
            if change.count <= presence.LIST_LIMIT:
                await self._send_text(room_id, await list_text(room_id))
                return
            frame = {"type": "presence", "joined": change.joined, "left": change.left}
            await self._send(room_id, {**frame, "online_count": change.count})
            return
        for person in change.joined:
            room.left.pop(person["id"], None)
            room.joined[person["id"]] = person
        for person in change.left:
            room.joined.pop(person["id"], None)
            room.left[person["id"]] = person
        if room.flush is None:
            small = change.count <= presence.LIST_LIMIT
            room.flush = asyncio.get_running_loop().call_later(
                list_seconds() if small else delta_seconds(),
                lambda: asyncio.ensure_future(self._flush(room_id)),
            )

    async def _flush(self, room_id: int) -> None:
        """What the room's changes since the last frame come to: the whole list
        while the room is small (the latest, which supersedes what was gathered),
        else one delta."""
        room = self.rooms.get(room_id)
        if room is None:
            return
        room.flush = None
        joined, left = list(room.joined.values()), list(room.left.values())
        room.joined.clear()
        room.left.clear()
        if not room.sockets:
            self._forget(room_id)
        if not (joined or left):
            return
        if room.count <= presence.LIST_LIMIT:
            try:
                text, count = await _list(room_id)
            except Exception:  # Redis gone: the next change, or the client's ask, tells
                logger.warning("chat presence list unavailable", exc_info=True)
                return
            if count <= presence.LIST_LIMIT:
                await self._send_text(room_id, text)
                return
            room.count = count
        frame = {"type": "presence", "joined": joined, "left": left}
        await self._send(room_id, {**frame, "online_count": room.count})

    async def _send(self, room_id: int, frame: dict) -> None:
        await self._send_text(room_id, encode(frame))

    async def _send_text(self, room_id: int, text: str) -> None:
        event = {"type": realtime.CHAT_PRESENCE, "frame": text}
        try:
            await hub.group_send(realtime.chat_room_group(room_id), event)
        except Exception:
            logger.warning("chat presence broadcast failed", exc_info=True)

    # --- the heartbeat ------------------------------------------------------------------------
    def _start_ticker(self) -> None:
        if self.ticker is None or self.ticker.done():
            self.ticker = asyncio.ensure_future(self._tick_forever())

    async def _tick_forever(self) -> None:
        while self.rooms:
            await asyncio.sleep(presence.heartbeat_interval())
            await self.tick()
        self.ticker = None

    async def tick(self) -> None:
        """One heartbeat for every room with sockets here."""
        for room_id, room in list(self.rooms.items()):
            try:
                sockets = dict(room.sockets)
                forgotten = await presence.store().beat(room_id, list(sockets)) if sockets else []
                # After a Redis restart or a sweep during a stall: count them in again.
                for channel in forgotten:
                    consumer = sockets[channel]
                    change = await presence.store().join(room_id, consumer.me, channel)
                    await self.changed(room_id, change)
                await self.changed(room_id, await presence.store().sweep(room_id))
                await hub.room_hub(hub.room_layer()).refresh(room_id)
                renew = [sockets[channel] for channel in forgotten]
                now = time.monotonic()
                due = sockets and now - room.groups_renewed >= renewal_seconds(
                    next(iter(sockets.values()))
                )
                if due:
                    room.groups_renewed, renew = now, list(sockets.values())
                for consumer in renew:
                    await consumer.refresh_groups()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("chat presence heartbeat failed", exc_info=True)


_relays: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Relay]" = weakref.WeakKeyDictionary()


def relay() -> Relay:
    loop = asyncio.get_running_loop()
    current = _relays.get(loop)
    if current is None:
        current = _relays[loop] = Relay()
    return current
