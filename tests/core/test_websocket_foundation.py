"""The WebSocket stack of the foundation: origin check, session and token auth, the layer."""

import asyncio
import json

import pytest
import websockets
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from community import services
from config.asgi import application
from core import realtime
from tests.servers import daphne
from tests.sockets import refused_with

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def communicator(headers=(ORIGIN,), path="/ws/notifications/"):
    return WebsocketCommunicator(application, path, headers=list(headers))


# Built in sync fixtures: database work in stray threads would leave connections open.
@pytest.fixture
def token(member):
    return services.member_token(member=member)


@pytest.fixture
def session_cookie(client, member):
    client.force_login(member)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def test_anonymous_socket_is_closed_with_4401():
    assert await refused_with(communicator()) == 4401


async def test_token_authenticates_a_socket_and_notifications_arrive(member, token):
    ws = communicator([ORIGIN, (b"authorization", f"Token {token}".encode())])
    connected, _ = await ws.connect()
    assert connected
    assert await ws.receive_json_from() == {"type": "ready"}
    await get_channel_layer().group_send(
        realtime.user_group(member.pk),
        {"type": realtime.NOTIFICATION_NEW, "notification": {"id": 1, "text": "Hallo"}},
    )
    assert await ws.receive_json_from() == {
        "type": "notification",
        "notification": {"id": 1, "text": "Hallo"},
    }
    await ws.disconnect()


async def test_a_wrong_token_is_not_authenticated(member):
    ws = communicator([ORIGIN, (b"authorization", b"Token falsch")])
    assert await refused_with(ws) == 4401


async def test_session_cookie_authenticates_a_browser_socket(session_cookie):
    ws = communicator([ORIGIN, (b"cookie", session_cookie.encode())])
    connected, _ = await ws.connect()
    assert connected
    await ws.disconnect()


@pytest.mark.parametrize(
    "origin", [None, b"http://evil.example", b"null", b"http://127.0.0.1.evil.example"]
)
async def test_a_missing_or_forged_origin_is_refused(token, origin):
    headers = [(b"authorization", f"Token {token}".encode())]
    if origin is not None:
        headers.append((b"origin", origin))
    ws = communicator(headers)
    connected, _ = await ws.connect()
    assert not connected


async def test_unknown_socket_path_is_refused(token):
    ws = communicator(
        [ORIGIN, (b"authorization", f"Token {token}".encode())], path="/ws/nirgendwo/"
    )
    with pytest.raises(ValueError):
        await ws.connect()


@pytest.mark.slow
def test_an_idle_websocket_stays_open_for_a_minute_against_real_redis(member, token, needs_redis):
    """redis-py 8's 5 s read timeout would tear this socket down with 1011 every ~5 s."""

    async def scenario(address):
        async with websockets.connect(
            f"ws://{address}/ws/notifications/",
            additional_headers={"Authorization": f"Token {token}"},
            origin=f"http://{address.replace('127.0.0.1', 'localhost')}",
            ping_interval=None,
        ) as socket:
            assert json.loads(await socket.recv()) == {"type": "ready"}
            with pytest.raises(TimeoutError):  # a minute of silence, and no close frame
                await asyncio.wait_for(socket.recv(), timeout=60)
            # Still subscribed through Redis: a notification reaches it.
            await get_channel_layer().group_send(
                realtime.user_group(member.pk),
                {"type": realtime.NOTIFICATION_NEW, "notification": {"id": 7}},
            )
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
            assert message == {"type": "notification", "notification": {"id": 7}}

    with daphne() as address:
        asyncio.run(scenario(address))
