"""Presence expires by itself: a socket that vanished without closing drops out."""

import asyncio

from chat import presence


async def test_a_socket_that_vanished_without_closing_drops_out_after_the_ttl(settings):
    settings.CHAT_PRESENCE_TTL = 0.3
    store = presence.store()
    room_id = 987654
    await store.beat(room_id, {"id": 1, "display_name": "Weg"}, "channel-weg")
    await store.beat(room_id, {"id": 2, "display_name": "Da"}, "channel-da")
    assert [u["id"] for u in await store.online(room_id)] == [2, 1]
    await asyncio.sleep(0.4)
    await store.beat(room_id, {"id": 2, "display_name": "Da"}, "channel-da")
    assert [u["id"] for u in await store.online(room_id)] == [2]
    await store.leave(room_id, {"id": 2, "display_name": "Da"}, "channel-da")
