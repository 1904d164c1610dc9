"""A room's events reach each process once, and its sockets from there.

A socket used to join its room's group itself, so the channel layer carried a
copy of every room event per socket: a message in a room of ten meant ten
trips through Redis, each four round trips in channels_redis's receive loop
(EVAL, BZPOPMIN, ZADD, ZPOPMIN), all on the receiving process's event loop.
Under load that loop fell behind and deliveries queued for seconds
(docs/performance.md, Chat). Now a process joins a room's group once, with a
channel of its own, while it has sockets in the room, and hands every event to
those sockets in the order sent (one channel, one reader): one copy per
process. A socket with nothing else to do writes it at once, from the hub's
own loop, without a task switch of its own (``room_event``: 2,000 sockets in
one room, issue 22); a socket busy with its own work keeps the event for when
it is done.
"""

import asyncio
import contextlib
import logging
import weakref
from typing import Protocol

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import get_channel_layer
from django.conf import settings

from core import realtime

logger = logging.getLogger(__name__)

#: Events a socket keeps while it is busy (chat.consumers); beyond, the room's
#: doorbells are dropped for it (as the layer's capacity did) and its client
#: fills the gap with ``sync``.
INBOX_LIMIT = 1000
#: Pause after the layer failed to receive (Redis gone), before trying again.
RETRY_SECONDS = 0.5


class Socket(Protocol):
    """What the hub hands a room's events to (chat.consumers.ChatConsumer)."""

    async def room_event(self, event: dict) -> None: ...


class _Room:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.sockets: set[Socket] = set()
        self.channel = ""
        self.subscribed = loop.create_future()
        self.pump: asyncio.Task | None = None


class RoomHub:
    """The rooms with sockets on this event loop (daphne: this process)."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.rooms: dict[int, _Room] = {}

    async def join(self, room_id: int, socket: Socket) -> None:
        """From when this returns, every event sent to the room's group reaches ``socket``."""
        room = self.rooms.get(room_id)
        if room is not None:
            room.sockets.add(socket)
            try:
                await asyncio.shield(room.subscribed)
            except BaseException:
                room.sockets.discard(socket)
                raise
            return
        room = self.rooms[room_id] = _Room(asyncio.get_running_loop())
        room.sockets.add(socket)
        try:
            room.channel = await self.layer.new_channel()
            await self.layer.group_add(realtime.chat_room_group(room_id), room.channel)
        except BaseException as exc:
            if self.rooms.get(room_id) is room:
                del self.rooms[room_id]
            failed = exc if isinstance(exc, Exception) else ConnectionError("not subscribed")
            room.subscribed.set_exception(failed)
            room.subscribed.exception()  # retrieved here; the joiners waiting get it raised
            raise
        room.pump = asyncio.ensure_future(self._pump(room))
        # Let the pump reach its first receive: channels_redis's pub/sub layer
        # unsubscribes a channel only when a receive on it is cancelled, so a
        # pump cancelled before it ever ran would leave the channel subscribed.
        await asyncio.sleep(0)
        room.subscribed.set_result(None)
        if self.rooms.get(room_id) is not room:  # everybody left while it subscribed
            await self._unsubscribe(room_id, room)

    async def leave(self, room_id: int, socket: Socket) -> None:
        room = self.rooms.get(room_id)
        if room is None or socket not in room.sockets:
            return
        room.sockets.discard(socket)
        if room.sockets:
            return
        del self.rooms[room_id]
        if room.subscribed.done():
            await self._unsubscribe(room_id, room)
        # else: join unsubscribes once it has subscribed

    async def refresh(self, room_id: int) -> None:
        """Join the group again (harmless if still in it): a Redis restart forgets groups."""
        room = self.rooms.get(room_id)
        if room is not None and room.subscribed.done() and room.channel:
            await self.layer.group_add(realtime.chat_room_group(room_id), room.channel)

    async def _unsubscribe(self, room_id: int, room: _Room) -> None:
        if room.pump is not None:
            room.pump.cancel()
            # Until the pump has finished: its cancelled receive cleans up the channel.
            await asyncio.wait([room.pump])
        if room.channel:
            with contextlib.suppress(Exception):
                await self.layer.group_discard(realtime.chat_room_group(room_id), room.channel)

    async def _pump(self, room: _Room) -> None:
        while True:
            try:
                event = await self.layer.receive(room.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("chat room channel failed to receive; retrying", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            for socket in list(room.sockets):
                try:
                    await socket.room_event(event)
                except asyncio.CancelledError:
                    raise
                except Exception:  # one socket's failure is not the room's
                    logger.warning("chat room event not delivered to a socket", exc_info=True)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoomHub]" = weakref.WeakKeyDictionary()


def room_hub(layer) -> RoomHub:
    """The running loop's hub for ``layer`` (a new layer, as in each test, gets a new one)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        hub = _hubs[loop] = RoomHub(layer)
    return hub


def room_layer():
    """The layer of the rooms' events: ``CHAT_ROOM_LAYER`` if configured, else the default."""
    configured = realtime.CHAT_ROOM_LAYER in settings.CHANNEL_LAYERS
    return get_channel_layer(realtime.CHAT_ROOM_LAYER if configured else DEFAULT_CHANNEL_LAYER)


async def group_send(group: str, event: dict) -> None:
    """Send to a group over its layer: a room's over the rooms' layer, any other
    (a member's sockets) over the default one."""
    layer = room_layer() if realtime.is_chat_room_group(group) else get_channel_layer()
    await layer.group_send(group, event)
