"""Nothing is lost: an overloaded layer, and two daphne processes forming one chat."""

import asyncio
import copy
import json

import pytest
import websockets
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection

from chat import hub
from chat.models import Message
from tests.chat.client import ChatClient, CommunicatorTransport
from tests.chat.conftest import socket
from tests.conftest import wait_for_other_sessions_to_end
from tests.servers import daphne

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 5
MESSAGES_EACH = 16


@pytest.fixture
def tiny_layer(settings, monkeypatch):
    """Room for three of the room's events while a socket is busy (chat.hub,
    ``ChatConsumer.room_event``), and in the default layer per channel (the rooms'
    layer, with Redis a pub/sub layer, has no capacity: its doorbells are dropped
    at the sockets)."""
    monkeypatch.setattr(hub, "INBOX_LIMIT", 3)
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"].setdefault("CONFIG", {})["capacity"] = 3
    settings.CHANNEL_LAYERS = layers
    settings.CHAT_RATE_BURST = 1000
    yield get_channel_layer()


@pytest.fixture
def writers(make_member, make_token):
    members = [make_member(display_name=f"Schreiberin {n}") for n in range(CLIENTS)]
    return [(m, make_token(m)) for m in members]


def _check_and_close(clients, expected_count):
    """Check from a worker thread, and close its connection: the test database
    can only be dropped at the end when no session is left on it."""
    try:
        _assert_everyone_has_everything(clients, expected_count)
    finally:
        connection.close()


def _assert_everyone_has_everything(clients, expected_count):
    stored = list(
        Message.objects.order_by("seq").values_list("seq", "client_id", "body", "author_id")
    )
    assert [row[0] for row in stored] == list(range(1, expected_count + 1))
    assert len({(row[3], row[1]) for row in stored}) == expected_count  # no message twice
    for client in clients:
        assert [
            (m["seq"], m["client_id"], m["body"], m["author"]["id"]) for m in client.messages
        ] == stored, client.name


async def test_an_overloaded_layer_drops_broadcasts_and_every_client_still_ends_complete(
    tiny_layer, network_room, writers
):
    sockets = []
    clients = []
    for n, (_member, token) in enumerate(writers):
        ws = socket(token, "allgemein")
        connected, _ = await ws.connect()
        assert connected
        sockets.append(ws)
        clients.append(ChatClient(CommunicatorTransport(ws), f"c{n}"))
    readers = [asyncio.ensure_future(c.run()) for c in clients]

    async def write(client):
        for i in range(MESSAGES_EACH):
            await client.say(f"{client.name} sagt {i}")

    await asyncio.gather(*(write(c) for c in clients))
    total = CLIENTS * MESSAGES_EACH
    await asyncio.gather(*(c.settle(total, timeout=60) for c in clients))
    for reader in readers:
        reader.cancel()
    for ws in sockets:
        await ws.disconnect()

    # The layer really dropped doorbells: not every message arrived as a broadcast.
    broadcast = [sum(f["type"] == "message" for f in c.frames) for c in clients]
    assert min(broadcast) < total, broadcast
    assert sum(c.syncs for c in clients) > 0
    await database_sync_to_async(_check_and_close)(clients, total)


@pytest.mark.slow
def test_two_daphne_processes_sharing_redis_and_postgresql_form_one_chat(
    needs_redis, needs_postgres, network_room, writers
):
    async def scenario(first, second):
        sockets, clients = [], []
        for n, (_member, token) in enumerate(writers[:4]):
            address = (first, second)[n % 2]
            ws = await websockets.connect(
                f"ws://{address}/ws/chat/allgemein/",
                additional_headers={"Authorization": f"Token {token}"},
                origin=f"http://{address}",
            )
            sockets.append(ws)
            clients.append(ChatClient(ws, f"p{n % 2}-{n}"))
        readers = [asyncio.ensure_future(c.run()) for c in clients]
        await asyncio.gather(*(c.ready.wait() for c in clients))
        for i in range(5):
            for client in clients:
                await client.say(f"{client.name}: {i}")
        await asyncio.gather(*(c.settle(20, timeout=30) for c in clients))
        # Messages crossed between the processes as broadcasts, not only through sync.
        for client in clients:
            authors = {
                f["message"]["author"]["id"] for f in client.frames if f["type"] == "message"
            }
            assert len(authors) == 4, client.name

        # An oversized frame closes only that socket (daphne's limit); the rest goes on.
        readers[0].cancel()
        await asyncio.gather(readers[0], return_exceptions=True)
        await sockets[0].send(json.dumps({"type": "message", "body": "x" * 70000}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:  # frames already on their way come first
                await asyncio.wait_for(sockets[0].recv(), timeout=10)
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
        await clients[1].say("nach dem Riesen")
        await asyncio.gather(*(c.settle(21, timeout=30) for c in clients[1:]))
        for reader in readers:
            reader.cancel()
        for ws in sockets[1:]:
            await ws.close()
        return clients

    with daphne() as first, daphne() as second:
        clients = asyncio.run(scenario(first, second))
    wait_for_other_sessions_to_end()
    _assert_everyone_has_everything(clients[1:], 21)
