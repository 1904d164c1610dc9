"""Presence that scales (issue 22): one shared roster per room, deltas in large
rooms, a bounded list, one heartbeat per process and room, and sockets that
vanished without closing swept out after the TTL."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings

from chat import coalesce, presence, presence_relay
from tests.chat.conftest import joined, next_of
from tests.conftest import require_service

ROOM = 987654


def person(n: int, name: str | None = None) -> dict:
    return {"id": n, "display_name": name or f"Person {n:04d}"}


@pytest.fixture(params=["memory", "redis"])
async def store(request):
    if request.param == "redis":
        require_service("redis", bool(django_settings.REDIS_URL))  # under CI: fail, never skip
    made = (
        presence.MemoryPresence()
        if request.param == "memory"
        else presence.RedisPresence(django_settings.REDIS_URL, f"presence-test-{id(request)}")
    )
    yield made
    if request.param == "redis":
        client, _scripts = made._client()
        await client.delete(*made._keys(ROOM))


async def test_a_member_with_two_sockets_is_counted_once_and_leaves_with_the_last(store):
    first = await store.join(ROOM, person(1, "Anna"), "a-phone")
    assert [p["display_name"] for p in first.joined] == ["Anna"] and first.count == 1
    second = await store.join(ROOM, person(1, "Anna"), "a-laptop")
    assert not second and second.count == 1  # no change to tell anyone
    assert not await store.leave(ROOM, ["a-phone"])
    gone = await store.leave(ROOM, ["a-laptop"])
    assert gone.left == [person(1, "Anna")] and gone.count == 0


async def test_joining_twice_with_the_same_socket_changes_nothing(store):
    await store.join(ROOM, person(1), "s1")
    again = await store.join(ROOM, person(1), "s1")
    assert not again and again.count == 1
    assert (await store.leave(ROOM, ["s1"])).count == 0


async def test_the_list_is_bounded_and_sorted_by_name_with_the_total_count(store):
    for n in range(presence.LIST_LIMIT + 30):
        await store.join(ROOM, person(n, f"Name {n:04d}"), f"s{n}")
    await store.join(ROOM, person(9999, "ärztin, Aaltje"), "s-aa")
    online, count = await store.snapshot(ROOM)
    assert count == presence.LIST_LIMIT + 31
    assert len(online) == presence.LIST_LIMIT
    assert online[0] == person(9999, "ärztin, Aaltje") or online[0]["display_name"] == "Name 0000"
    names = [p["display_name"] for p in online]
    assert names == sorted(names, key=str.casefold)
    await store.leave(ROOM, [f"s{n}" for n in range(presence.LIST_LIMIT + 30)] + ["s-aa"])
    assert await store.snapshot(ROOM) == ([], 0)


async def test_a_join_storm_larger_than_the_connection_pool_counts_everyone_in(store, monkeypatch):
    monkeypatch.setattr(presence, "POOL_CONNECTIONS", 3)
    changes = await asyncio.gather(*(store.join(ROOM, person(n), f"storm-{n}") for n in range(150)))
    assert sorted(c.joined[0]["id"] for c in changes) == list(range(150))
    assert (await store.snapshot(ROOM))[1] == 150
    left = await asyncio.gather(*(store.leave(ROOM, [f"storm-{n}"]) for n in range(150)))
    assert min(c.count for c in left) == 0


async def test_a_socket_that_vanished_without_closing_is_swept_out_after_the_ttl(store, settings):
    settings.CHAT_PRESENCE_TTL = 0.3
    await store.join(ROOM, person(1, "Weg"), "channel-weg")
    await store.join(ROOM, person(2, "Da"), "channel-da")
    await asyncio.sleep(0.4)
    assert await store.beat(ROOM, ["channel-da"]) == []
    swept = await store.sweep(ROOM)
    assert swept.left == [person(1, "Weg")] and swept.count == 1
    assert (await store.snapshot(ROOM))[0] == [person(2, "Da")]
    await store.leave(ROOM, ["channel-da"])


async def test_a_heartbeat_names_the_sockets_the_room_has_forgotten(store):
    await store.join(ROOM, person(1), "known")
    assert await store.beat(ROOM, ["known", "forgotten"]) == ["forgotten"]
    await store.leave(ROOM, ["known"])


async def test_a_heartbeat_of_many_sockets_refreshes_them_all_and_names_only_the_forgotten(
    store, settings
):
    channels = [f"many-{n}" for n in range(1200)]  # more than one chunk of the script
    for n, channel in enumerate(channels):
        await store.join(ROOM, person(n), channel)
    await asyncio.sleep(0.3)
    settings.CHAT_PRESENCE_TTL = 0.2
    assert await store.beat(ROOM, channels) == []
    assert not await store.sweep(ROOM)  # every socket's beat is fresh
    await store.leave(ROOM, channels[:2])
    assert await store.beat(ROOM, channels) == channels[:2]
    await store.leave(ROOM, channels)
    assert (await store.snapshot(ROOM))[1] == 0


# --- the process's relay ----------------------------------------------------------------
class FakeStore(presence.MemoryPresence):
    """Counts the calls a heartbeat makes."""

    def __init__(self):
        super().__init__()
        self.calls: list[tuple[str, int]] = []

    async def beat(self, room_id, channels):
        self.calls.append(("beat", len(channels)))
        return await super().beat(room_id, channels)

    async def sweep(self, room_id):
        self.calls.append(("sweep", 0))
        return await super().sweep(room_id)


class FakeSocket:
    def __init__(self, n: int):
        self.me = person(n)
        self.channel_name = f"socket-{n}"
        self.refreshed = 0

    async def refresh_groups(self):
        self.refreshed += 1


async def test_one_heartbeat_per_process_and_room_whatever_the_number_of_sockets(
    monkeypatch, settings
):
    settings.CHAT_PRESENCE_HEARTBEAT = 3600  # the test ticks by hand
    fake = FakeStore()
    monkeypatch.setattr(presence, "_store", fake)
    sent = []

    async def group_send(group, event):
        sent.append(event)

    monkeypatch.setattr(presence_relay.hub, "group_send", group_send)
    relay = presence_relay.Relay()
    sockets = [FakeSocket(n) for n in range(50)]
    for socket in sockets:
        await relay.join(ROOM, socket)
    fake.calls.clear()
    await relay.tick()
    assert fake.calls == [("beat", 50), ("sweep", 0)]  # one call each, not fifty
    assert all(s.refreshed == 0 for s in sockets)  # nothing lost: no group joined again
    relay.ticker.cancel()


async def test_the_heartbeat_joins_the_groups_again_only_of_sockets_the_store_forgot(
    monkeypatch, settings
):
    settings.CHAT_PRESENCE_HEARTBEAT = 3600
    fake = FakeStore()
    monkeypatch.setattr(presence, "_store", fake)
    monkeypatch.setattr(presence_relay.hub, "group_send", _ignore)
    relay = presence_relay.Relay()
    sockets = [FakeSocket(n) for n in range(5)]
    for socket in sockets:
        await relay.join(ROOM, socket)
    await fake.leave(ROOM, ["socket-1", "socket-3"])  # as after a Redis restart
    await relay.tick()
    assert [s.refreshed for s in sockets] == [0, 1, 0, 1, 0]
    assert (await fake.snapshot(ROOM))[1] == 5  # and counted in again
    relay.ticker.cancel()


async def test_every_socket_joins_its_groups_again_before_the_layer_would_let_them_lapse(
    monkeypatch, settings
):
    settings.CHAT_PRESENCE_HEARTBEAT = 3600
    monkeypatch.setattr(presence, "_store", FakeStore())
    monkeypatch.setattr(presence_relay.hub, "group_send", _ignore)
    relay = presence_relay.Relay()
    sockets = [FakeSocket(n) for n in range(3)]
    for socket in sockets:
        await relay.join(ROOM, socket)
    # A quarter of channels' default group_expiry (a day) has passed.
    relay.rooms[ROOM].groups_renewed -= presence_relay.GROUP_EXPIRY / 4
    await relay.tick()
    await relay.tick()
    assert [s.refreshed for s in sockets] == [1, 1, 1]  # once, not at every beat
    relay.ticker.cancel()


async def _ignore(group, event):
    pass


class LayerSocket(FakeSocket):
    """A socket of some process in a group of its own, as the chat's are."""

    def __init__(self, n: int, layer):
        super().__init__(n)
        self.channel_layer = layer

    async def refresh_groups(self):
        await super().refresh_groups()
        await self.channel_layer.group_add("member-group", self.channel_name)


@pytest.fixture(params=["memory", "redis"])
def short_lived_layer(request):
    """A channel layer whose group memberships lapse after two seconds unless renewed."""
    from channels.layers import InMemoryChannelLayer

    if request.param == "memory":
        return InMemoryChannelLayer(group_expiry=2)
    require_service("redis", bool(django_settings.REDIS_URL))
    from channels_redis.core import RedisChannelLayer

    return RedisChannelLayer(
        hosts=[django_settings.REDIS_URL], prefix=f"expiry-test-{id(request)}", group_expiry=2
    )


async def test_a_crashed_process_drops_out_of_the_groups_while_a_living_one_stays(
    short_lived_layer, monkeypatch, settings
):
    """Renewing the groups less often keeps the layer's expiry: the sockets of a
    process that crashed (no heartbeat any more) leave the groups after
    ``group_expiry``; those of a process that lives stay in."""
    settings.CHAT_PRESENCE_HEARTBEAT = 3600  # ticked by hand
    monkeypatch.setattr(presence, "_store", presence.MemoryPresence())
    monkeypatch.setattr(presence_relay.hub, "group_send", _ignore)
    layer = short_lived_layer
    living, crashed = presence_relay.Relay(), presence_relay.Relay()
    alive = LayerSocket(1, layer)
    alive.channel_name = await layer.new_channel()
    dead = LayerSocket(2, layer)
    dead.channel_name = await layer.new_channel()
    for relay, socket in ((living, alive), (crashed, dead)):
        await layer.group_add("member-group", socket.channel_name)  # as at connect
        await relay.join(ROOM, socket)
    crashed.ticker.cancel()  # the process is gone: nothing renews its socket's groups
    for _ in range(8):  # 3.2 s, past the expiry; the living process beats
        await asyncio.sleep(0.4)
        await living.tick()
    assert alive.refreshed >= 2
    await layer.group_send("member-group", {"type": "socket.ended"})
    assert (await layer.receive(alive.channel_name))["type"] == "socket.ended"
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(dead.channel_name), 0.5)
    living.ticker.cancel()
    if hasattr(layer, "flush"):
        await layer.flush()


def _relay_telling(monkeypatch) -> tuple[presence_relay.Relay, list[dict]]:
    """A relay over an in-memory presence whose frames to the room land in the list."""
    monkeypatch.setattr(presence, "_store", presence.MemoryPresence())
    sent = []

    async def group_send(group, event):
        sent.append(presence_relay.json.loads(event["frame"]))

    monkeypatch.setattr(presence_relay.hub, "group_send", group_send)
    return presence_relay.Relay(), sent


async def test_in_a_large_room_joins_and_leaves_go_out_as_one_delta(monkeypatch, settings):
    settings.CHAT_PRESENCE_DELTA_SECONDS = 0.05
    settings.CHAT_PRESENCE_LIST_SECONDS = 0.05
    monkeypatch.setattr(presence, "LIST_LIMIT", 3)
    relay, sent = _relay_telling(monkeypatch)
    for n in range(3):
        await relay.join(ROOM, FakeSocket(n))
    await asyncio.sleep(0.2)
    assert [len(f["online"]) for f in sent] == [3]  # small: the whole list
    sent.clear()
    for n in range(3, 10):
        await relay.join(ROOM, FakeSocket(n))
    await relay.leave(ROOM, FakeSocket(4))
    assert sent == []  # gathered
    await asyncio.sleep(0.2)
    assert len(sent) == 1, sent
    delta = sent[0]
    assert "online" not in delta
    assert [p["id"] for p in delta["joined"]] == [3, 5, 6, 7, 8, 9]
    assert [p["id"] for p in delta["left"]] == [4]
    assert delta["online_count"] == 9
    relay.ticker.cancel()


async def test_a_join_storm_in_a_small_room_goes_out_as_one_latest_list_per_process(
    monkeypatch, settings
):
    settings.CHAT_PRESENCE_LIST_SECONDS = 0.05
    relay, sent = _relay_telling(monkeypatch)
    own = [await relay.join(ROOM, FakeSocket(n)) for n in range(20)]
    await relay.leave(ROOM, FakeSocket(7))
    # Each joining socket gets its own list at once, with itself in it.
    for n, text in enumerate(own):
        frame = presence_relay.json.loads(text)
        assert frame["online_count"] == n + 1
        assert person(n) in frame["online"]
    assert sent == []  # the room is told once, after the storm
    await asyncio.sleep(0.2)
    assert len(sent) == 1, sent
    assert sent[0]["online_count"] == 19
    assert sent[0]["online"] == [person(n) for n in range(20) if n != 7]
    await relay.join(ROOM, FakeSocket(7))  # a later change: a list again, with it
    await asyncio.sleep(0.2)
    assert [f["online_count"] for f in sent] == [19, 20]
    relay.ticker.cancel()


async def test_a_small_room_growing_past_the_limit_meanwhile_gets_the_gathered_delta(
    monkeypatch, settings
):
    settings.CHAT_PRESENCE_LIST_SECONDS = 0.05
    monkeypatch.setattr(presence, "LIST_LIMIT", 3)
    relay, sent = _relay_telling(monkeypatch)
    for n in range(5):  # the first joins were gathered for a list; by then it is 5
        await relay.join(ROOM, FakeSocket(n))
    await asyncio.sleep(0.2)
    assert len(sent) == 1, sent
    assert "online" not in sent[0]
    assert [p["id"] for p in sent[0]["joined"]] == [0, 1, 2, 3, 4]
    assert sent[0]["online_count"] == 5
    relay.ticker.cancel()


# --- sockets ----------------------------------------------------------------------------
pytestmark_sockets = pytest.mark.django_db(transaction=True)


@pytestmark_sockets
async def test_a_socket_gets_the_bounded_list_with_the_count_after_ready_and_on_request(
    network_room, make_member, make_token, token, monkeypatch
):
    monkeypatch.setattr(presence, "LIST_LIMIT", 1)
    other = await database_sync_to_async(make_member)(display_name="Ben Berger")
    ben, _ = await joined(await database_sync_to_async(make_token)(other), "allgemein")
    anna, _ = await joined(token, "allgemein")
    first = await next_of(anna, "presence")
    assert first["online_count"] == 2 and len(first["online"]) == 1
    await anna.send_json_to({"type": "presence"})
    while True:  # a delta about Anna herself may come first
        frame = await next_of(anna, "presence")
        if "online" in frame:
            break
    assert frame["online_count"] == 2 and len(frame["online"]) == 1
    await anna.disconnect()
    await ben.disconnect()


@pytestmark_sockets
async def test_in_a_room_with_more_than_the_limit_online_typing_is_not_passed_on(
    network_room, make_member, make_token, token, monkeypatch
):
    from chat import consumers

    monkeypatch.setattr(consumers, "TYPING_MAX_ONLINE", 1)
    other = await database_sync_to_async(make_member)(display_name="Ben Berger")
    ben, _ = await joined(await database_sync_to_async(make_token)(other), "allgemein")
    anna, _ = await joined(token, "allgemein")
    while not await ben.receive_nothing(timeout=0.3):  # Anna's arrival
        await ben.receive_json_from()
    await anna.send_json_to({"type": "typing"})
    while not await ben.receive_nothing(timeout=0.5):
        frame = await ben.receive_json_from()
        assert frame["type"] != "typing", frame
    await anna.disconnect()
    await ben.disconnect()


def test_a_process_passes_on_only_a_few_typing_hints_per_room_and_second():
    relay = presence_relay.Relay()
    relay.rooms[ROOM] = presence_relay._Room()
    allowed = [relay.allow_typing(ROOM, 5) for _ in range(20)]
    assert allowed.count(True) == 5


# --- coalescing -------------------------------------------------------------------------
async def test_many_askers_of_the_same_key_share_few_queries_each_started_after_they_asked():
    started = []

    async def fetch(key):
        started.append(key)
        number = len(started)
        await asyncio.sleep(0.05)
        return number

    many = coalesce.Coalescer(fetch)
    first = asyncio.ensure_future(many.get("room"))
    await asyncio.sleep(0.01)  # the first query runs
    later = [asyncio.ensure_future(many.get("room")) for _ in range(200)]
    answers = await asyncio.gather(first, *later)
    assert len(started) == 2  # 201 askers, two queries
    assert answers[0] == 1
    assert set(answers[1:]) == {2}  # those who came while query 1 ran got query 2
    assert await many.get("other") == 3


async def test_a_failed_query_fails_its_askers_and_the_next_asker_gets_a_fresh_one():
    calls = []

    async def fetch(key):
        calls.append(key)
        if len(calls) == 1:
            raise ConnectionError("database gone")
        return "ok"

    many = coalesce.Coalescer(fetch)
    with pytest.raises(ConnectionError):
        await many.get("room")
    assert await many.get("room") == "ok"


@pytestmark_sockets
async def test_a_mass_reconnect_asks_the_database_once_per_room_and_position(
    network_room, member, token, monkeypatch
):
    from chat import consumers
    from chat import services as chat_services

    await database_sync_to_async(chat_services.message_post)(
        room=network_room, author=member, body="Vor dem Neustart", client_id="c1"
    )
    fetched = []
    original = consumers._fetch_history

    async def counting(key):
        fetched.append(key)
        await asyncio.sleep(0.1)  # a busy database
        return await original(key)

    monkeypatch.setattr(consumers, "_fetch_history", counting)
    sockets = [(await joined(token, "allgemein"))[0] for _ in range(12)]
    for ws in sockets:
        await ws.send_json_to({"type": "sync", "after": 0})
    for ws in sockets:
        history = await next_of(ws, "history")
        assert [m["body"] for m in history["messages"]] == ["Vor dem Neustart"]
    assert len(fetched) <= 3, fetched  # not twelve
    for ws in sockets:
        await ws.disconnect()


@pytestmark_sockets
async def test_asking_for_the_list_again_at_once_is_rate_limited(network_room, token):
    anna, _ = await joined(token, "allgemein")
    await next_of(anna, "presence")
    await anna.send_json_to({"type": "presence"})
    assert "online" in await next_of(anna, "presence")
    await anna.send_json_to({"type": "presence"})
    refused = await next_of(anna, "error")
    assert refused["code"] == "rate_limited"
    await anna.send_json_to({"type": "sync", "after": 0})  # the socket stays open
    assert (await next_of(anna, "history"))["messages"] == []
    await anna.disconnect()


@pytestmark_sockets
async def test_after_redis_lost_its_state_the_next_heartbeat_puts_the_socket_back_in_its_groups(
    network_room, member, token
):
    """The groups are no longer joined again at every beat; a restart of Redis
    without persistence must still not leave a socket deaf to its member's events."""
    require_service("redis", bool(django_settings.REDIS_URL))
    import redis.asyncio as aioredis
    from channels.layers import get_channel_layer

    from core import realtime

    anna, _ = await joined(token, "allgemein")
    await next_of(anna, "presence")
    client = aioredis.Redis.from_url(django_settings.REDIS_URL)
    await client.flushdb()  # as a restart of Redis that kept nothing
    await client.aclose()
    await presence_relay.relay().tick()
    await get_channel_layer().group_send(
        realtime.member_sockets_group(member.pk), {"type": realtime.SOCKET_ENDED}
    )
    while True:  # the heartbeat counted her in again: presence frames may come first
        output = await anna.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == 4401
    await anna.wait()
