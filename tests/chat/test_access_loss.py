"""An open socket closes (4403) as soon as its member loses the room, from any service."""

import pytest
from channels.db import database_sync_to_async

from chat import services as chat_services
from community import services
from community.models import Role
from tests.chat.conftest import joined, next_of

pytestmark = pytest.mark.django_db(transaction=True)


async def closed_with(ws, timeout: float = 5) -> int:
    while True:
        output = await ws.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output["code"]


async def test_a_member_who_moves_municipality_is_closed_out_of_the_old_city_room(
    city_room, member, token, make_municipality
):
    ws, _ = await joined(token, city_room.slug)
    elsewhere = await database_sync_to_async(make_municipality)(name="Gießen")
    await database_sync_to_async(services.member_update)(member=member, municipality=elsewhere)
    assert await closed_with(ws) == 4403


async def test_a_deactivated_member_is_closed_out(network_room, member, token):
    """Signed out everywhere: 4401, as every socket (tests/security/test_socket_lifetime.py)."""
    ws, _ = await joined(token, network_room.slug)
    await database_sync_to_async(services.member_deactivate)(member=member)
    assert await closed_with(ws) == 4401


async def test_a_member_who_keeps_access_stays_connected_and_can_write(
    network_room, city_room, member, token, make_municipality
):
    """Moving does not close the network room; a moderator keeps every city room."""
    network, _ = await joined(token, network_room.slug)
    city, _ = await joined(token, city_room.slug)
    await database_sync_to_async(services.member_update)(member=member, role=Role.MODERATOR)
    elsewhere = await database_sync_to_async(make_municipality)(name="Gießen")
    await database_sync_to_async(services.member_update)(member=member, municipality=elsewhere)
    for ws, client_id in ((network, "n1"), (city, "c1")):
        await ws.send_json_to({"type": "message", "body": "noch da", "client_id": client_id})
        frame = await next_of(ws, "message", timeout=5)
        assert frame["message"]["client_id"] == client_id
        await ws.disconnect()


async def test_a_member_who_leaves_a_private_room_is_closed_out_there_only(
    private_room, network_room, member, token
):
    private, _ = await joined(token, private_room.slug)
    network, _ = await joined(token, network_room.slug)
    await database_sync_to_async(chat_services.room_leave)(room=private_room, member=member)
    assert await closed_with(private) == 4403
    await network.send_json_to({"type": "message", "body": "hier noch", "client_id": "n1"})
    assert (await next_of(network, "message", timeout=5))["message"]["client_id"] == "n1"
    await network.disconnect()


async def test_the_others_in_a_private_room_stay_when_one_is_removed(
    private_room, member, token, make_member, make_token
):
    guest = await database_sync_to_async(make_member)()
    await database_sync_to_async(chat_services.room_add_members)(room=private_room, members=[guest])
    owner, _ = await joined(token, private_room.slug)
    visitor, _ = await joined(await database_sync_to_async(make_token)(guest), private_room.slug)
    await database_sync_to_async(chat_services.room_remove_members)(
        room=private_room, members=[guest]
    )
    assert await closed_with(visitor) == 4403
    await owner.send_json_to({"type": "message", "body": "unter uns", "client_id": "o1"})
    assert (await next_of(owner, "message", timeout=5))["message"]["client_id"] == "o1"
    await owner.disconnect()
