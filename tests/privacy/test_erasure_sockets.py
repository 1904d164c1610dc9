"""An erased member's open chat sockets close at once (and leave the presence list)."""

import pytest
from channels.db import database_sync_to_async

from privacy import services as services_privacy
from tests.chat.conftest import (  # noqa: F401 (fixtures)
    joined,
    make_token,
    network_room,
    token,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def closed_with(ws, timeout: float = 5) -> int:
    while True:
        output = await ws.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output["code"]


async def test_an_erased_members_open_chat_socket_is_closed(network_room, member, token):  # noqa: F811
    ws, _ready = await joined(token, network_room.slug)
    await database_sync_to_async(services_privacy.member_erase)(member=member)
    assert await closed_with(ws) == 4401  # signed out: tests/security/test_socket_lifetime.py
