"""The process's hub: a room's events cross the channel layer once per process.

Run against the configured rooms' layer (Redis pub/sub under CI, in-memory otherwise).
"""

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer

from chat import hub
from core import realtime

ROOM = 7


def _event(n: int) -> dict:
    return {"type": realtime.CHAT_MESSAGE, "frame": f'{{"n":{n}}}'}


async def _send(layer, n: int) -> None:
    await layer.group_send(realtime.chat_room_group(ROOM), _event(n))


class Inbox(asyncio.Queue):
    """A socket as the hub sees it (chat.hub.Socket), keeping what it is handed."""

    async def room_event(self, event: dict) -> None:
        self.put_nowait(event)


async def _next(inbox: asyncio.Queue) -> dict:
    return await asyncio.wait_for(inbox.get(), timeout=5)


async def test_every_socket_of_the_process_gets_each_event_of_its_room_once_in_order():
    layer = hub.room_layer()
    rooms = hub.RoomHub(layer)
    inboxes = [Inbox() for _ in range(3)]
    for inbox in inboxes:
        await rooms.join(ROOM, inbox)
    for n in range(20):
        await _send(layer, n)
    for inbox in inboxes:
        assert [await _next(inbox) for _ in range(20)] == [_event(n) for n in range(20)]
    await asyncio.sleep(0.05)
    assert all(inbox.empty() for inbox in inboxes)
    assert len(rooms.rooms) == 1 and rooms.rooms[ROOM].channel  # one channel for all three
    for inbox in inboxes:
        await rooms.leave(ROOM, inbox)


async def test_a_room_is_left_with_its_last_socket():
    layer = hub.room_layer()
    rooms = hub.RoomHub(layer)
    first, second = Inbox(), Inbox()
    await rooms.join(ROOM, first)
    await rooms.join(ROOM, second)
    pump = rooms.rooms[ROOM].pump
    await rooms.leave(ROOM, first)
    await _send(layer, 1)
    assert await _next(second) == _event(1)
    assert first.empty()
    await rooms.leave(ROOM, second)
    assert rooms.rooms == {}
    await asyncio.sleep(0)
    assert pump.cancelled() or pump.cancelling()


async def test_sockets_joining_at_once_share_one_subscription_and_all_hear_the_next_event():
    layer = hub.room_layer()
    rooms = hub.RoomHub(layer)
    inboxes = [Inbox() for _ in range(5)]
    await asyncio.gather(*(rooms.join(ROOM, inbox) for inbox in inboxes))
    await _send(layer, 1)
    for inbox in inboxes:
        assert await _next(inbox) == _event(1)
    for inbox in inboxes:
        await rooms.leave(ROOM, inbox)


class GatedLayer(InMemoryChannelLayer):
    """Joining a group waits for the test's go, or fails, to reach the races."""

    def __init__(self):
        super().__init__()
        self.go = asyncio.Event()
        self.fail = False
        self.receive_failures = 0

    async def group_add(self, group, channel):
        await self.go.wait()
        if self.fail:
            raise ConnectionError("Redis is gone")
        await super().group_add(group, channel)

    async def receive(self, channel):
        if self.receive_failures:
            self.receive_failures -= 1
            raise ConnectionError("Redis is gone")
        return await super().receive(channel)


async def test_a_socket_that_leaves_while_the_room_subscribes_leaves_nothing_behind():
    layer = GatedLayer()
    rooms = hub.RoomHub(layer)
    inbox = Inbox()
    joining = asyncio.ensure_future(rooms.join(ROOM, inbox))
    await asyncio.sleep(0.01)
    await rooms.leave(ROOM, inbox)
    layer.go.set()
    await joining
    assert rooms.rooms == {}
    assert not layer.groups.get(realtime.chat_room_group(ROOM))


async def test_when_subscribing_fails_every_waiting_socket_hears_it_and_the_next_join_retries():
    layer = GatedLayer()
    layer.fail = True
    rooms = hub.RoomHub(layer)
    first, second = Inbox(), Inbox()
    joins = [asyncio.ensure_future(rooms.join(ROOM, q)) for q in (first, second)]
    await asyncio.sleep(0.01)
    layer.go.set()
    results = await asyncio.gather(*joins, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert rooms.rooms == {}
    layer.fail = False
    await rooms.join(ROOM, first)
    await _send(layer, 1)
    assert await _next(first) == _event(1)
    await rooms.leave(ROOM, first)


async def test_a_failed_receive_is_retried_and_loses_nothing(monkeypatch):
    monkeypatch.setattr(hub, "RETRY_SECONDS", 0.01)
    layer = GatedLayer()
    layer.go.set()
    layer.receive_failures = 2
    rooms = hub.RoomHub(layer)
    inbox = Inbox()
    await rooms.join(ROOM, inbox)
    await _send(layer, 1)
    assert await _next(inbox) == _event(1)
    await rooms.leave(ROOM, inbox)


async def test_a_socket_that_fails_to_take_an_event_does_not_keep_it_from_the_others():
    class Broken:
        async def room_event(self, event):
            raise RuntimeError("gone")

    layer = hub.room_layer()
    rooms = hub.RoomHub(layer)
    broken, fast = Broken(), Inbox()
    await rooms.join(ROOM, broken)
    await rooms.join(ROOM, fast)
    for n in range(5):
        await _send(layer, n)
    assert [await _next(fast) for _ in range(5)] == [_event(n) for n in range(5)]
    for sink in (broken, fast):
        await rooms.leave(ROOM, sink)


async def test_each_loop_and_layer_has_a_hub_of_its_own():
    layer = hub.room_layer()
    assert hub.room_hub(layer) is hub.room_hub(layer)
    assert hub.room_hub(InMemoryChannelLayer()) is not hub.room_hub(layer)


@pytest.mark.django_db(transaction=True)
async def test_two_sockets_in_one_room_put_one_channel_into_its_group(network_room, token):
    from tests.chat.conftest import joined

    first, _ = await joined(token, network_room.slug)
    second, _ = await joined(token, network_room.slug)
    rooms = hub.room_hub(hub.room_layer()).rooms
    assert list(rooms) == [network_room.pk] and len(rooms[network_room.pk].sockets) == 2
    await first.disconnect()
    await second.disconnect()
    assert rooms == {}


async def test_a_room_left_at_once_leaves_no_subscription_in_redis(needs_redis, settings):
    """The pub/sub layer forgets a channel only when a receive on it is cancelled;
    a socket that joins and leaves at once must not leave it subscribed."""
    import redis.asyncio

    rooms = hub.RoomHub(hub.room_layer())
    inbox = Inbox()
    await rooms.join(ROOM, inbox)
    channel = rooms.rooms[ROOM].channel
    await rooms.leave(ROOM, inbox)
    client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    try:
        for _ in range(50):  # Redis handles the UNSUBSCRIBE a moment later
            [(_name, subscribers)] = await client.pubsub_numsub(channel)
            group_channels = await client.pubsub_channels(f"*{realtime.chat_room_group(ROOM)}")
            if subscribers == 0 and not group_channels:
                break
            await asyncio.sleep(0.05)
        assert subscribers == 0
        assert group_channels == []
    finally:
        await client.aclose()
