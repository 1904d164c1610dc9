"""Open sockets end with the session or token that opened them, and with the access
to what they watch; refusals reach real clients (daphne) with the contract's codes.

Attacks: a stolen session keeps listening after its owner logs out; a
deactivated or erased member keeps receiving the network's news on a socket
opened before; a member who moved keeps the seat counts of an internal event of
the city they left. And the other side: a browser refused with an HTTP 403 at
the handshake sees 1006, not 4403/4404, and its page retries for ever.
"""

import asyncio
import json

import pytest
import websockets
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from community import services
from community.models import ApiToken
from config.asgi import application
from events import services as event_services
from privacy import services as services_privacy
from tests.community.test_admin import _post_change
from tests.conftest import PASSWORD, wait_for_other_sessions_to_end
from tests.security.world import build_world
from tests.servers import daphne

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")

SOCKETS = {
    "notifications": lambda w: "/ws/notifications/",
    "forum thread": lambda w: f"/ws/forum/threads/{w.thread.pk}/",
    "forum category": lambda w: "/ws/forum/categories/austausch/",
    "event": lambda w: f"/ws/events/{w.event.pk}/",
    "chat": lambda w: f"/ws/chat/{w.private_room.slug}/",
}


@pytest.fixture
def world():
    return build_world()


def signed_in(member) -> Client:
    """A browser of ``member`` with a session of its own (a real login)."""
    browser = Client()
    assert browser.login(email=member.email, password=PASSWORD)
    return browser


def log_out(browser: Client) -> None:
    """From a thread of its own: its database connection closes with it."""
    try:
        assert browser.post("/abmelden/").status_code == 302
    finally:
        connection.close()


def session_key(browser: Client) -> str:
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


def by_session(path: str, browser: Client) -> WebsocketCommunicator:
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key(browser)}".encode()
    return WebsocketCommunicator(application, path, headers=[ORIGIN, (b"cookie", cookie)])


def by_token(path: str, token: str) -> WebsocketCommunicator:
    auth = (b"authorization", f"Token {token}".encode())
    return WebsocketCommunicator(application, path, headers=[ORIGIN, auth])


async def opened(ws: WebsocketCommunicator) -> WebsocketCommunicator:
    connected, code = await ws.connect()
    assert connected, code
    first = await ws.receive_json_from()
    assert first["type"] in {"ready", "seats"}, first
    return ws


async def closed_with(ws: WebsocketCommunicator, timeout: float = 5):
    """The close code, skipping frames on their way (presence, seat counts)."""
    while True:
        output = await ws.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output.get("code")


async def stays_open(ws: WebsocketCommunicator) -> bool:
    """Nothing closes it within a moment (frames may still come)."""
    while not await ws.receive_nothing(timeout=0.5):
        if (await ws.receive_output())["type"] == "websocket.close":
            return False
    await ws.disconnect()
    return True


# --- the session or token ends: every kind of socket closes with 4401 ------------------
@pytest.mark.parametrize("kind", SOCKETS)
async def test_logging_out_closes_the_sockets_the_session_opened(world, kind):
    browser = await database_sync_to_async(signed_in)(world.users["member"])
    ws = await opened(by_session(SOCKETS[kind](world), browser))
    response = await database_sync_to_async(browser.post)("/abmelden/")
    assert response.status_code == 302
    assert await closed_with(ws) == 4401


@pytest.mark.parametrize("kind", SOCKETS)
async def test_revoking_a_token_closes_the_sockets_it_opened(world, kind):
    member = world.users["member"]
    token = await database_sync_to_async(services.member_token)(member=member)
    ws = await opened(by_token(SOCKETS[kind](world), token))
    await database_sync_to_async(ApiToken.objects.filter(user=member).delete)()
    assert await closed_with(ws) == 4401


@pytest.mark.parametrize("kind", SOCKETS)
async def test_a_deactivated_members_sockets_close(world, kind):
    member = world.users["member"]
    browser = await database_sync_to_async(signed_in)(member)
    ws = await opened(by_session(SOCKETS[kind](world), browser))
    await database_sync_to_async(services.member_deactivate)(member=member)
    assert await closed_with(ws) == 4401


@pytest.mark.parametrize("kind", SOCKETS)
async def test_an_erased_members_sockets_close(world, kind):
    member = world.users["member"]
    token = await database_sync_to_async(services.member_token)(member=member)
    ws = await opened(by_token(SOCKETS[kind](world), token))
    await database_sync_to_async(services_privacy.member_erase)(member=member)
    assert await closed_with(ws) == 4401


async def test_deleting_a_session_row_closes_its_sockets(world):
    """What ending the other sessions on a password change does (one row at a time or all)."""
    browser = await database_sync_to_async(signed_in)(world.users["member"])
    ws = await opened(by_session("/ws/notifications/", browser))
    key = session_key(browser)
    await database_sync_to_async(Session.objects.filter(pk=key).delete)()
    assert await closed_with(ws) == 4401


async def test_deleting_a_member_row_closes_their_sockets(world):
    """Sessions are no rows of the member's: they would outlive a deleted account."""
    member = world.users["member"]
    browser = await database_sync_to_async(signed_in)(member)
    ws = await opened(by_session("/ws/notifications/", browser))
    await database_sync_to_async(member.delete)()
    assert await closed_with(ws) == 4401


async def test_logging_out_on_one_device_leaves_the_other_devices_sockets_open(world):
    member = world.users["member"]
    phone = await database_sync_to_async(signed_in)(member)
    laptop = await database_sync_to_async(signed_in)(member)
    on_phone = await opened(by_session("/ws/notifications/", phone))
    on_laptop = await opened(by_session("/ws/notifications/", laptop))
    await database_sync_to_async(phone.post)("/abmelden/")
    assert await closed_with(on_phone) == 4401
    assert await stays_open(on_laptop)


async def test_a_socket_whose_session_ended_while_it_connected_is_refused(world):
    """The session goes between the middleware's check and the groups' join."""
    browser = await database_sync_to_async(signed_in)(world.users["member"])
    ws = by_session("/ws/notifications/", browser)
    from core import ws_auth

    real = ws_auth.SocketLifetime.join_lifetime

    async def join_after_logout(self, user):
        await database_sync_to_async(Session.objects.filter(pk=session_key(browser)).delete)()
        await real(self, user)

    ws_auth.SocketLifetime.join_lifetime = join_after_logout
    try:
        connected, code = await ws.connect()
        assert connected, code  # accepted, so that the code reaches the client
        assert await closed_with(ws) == 4401
    finally:
        ws_auth.SocketLifetime.join_lifetime = real


# --- access to what the socket watches ends ---------------------------------------------
async def test_a_member_who_moves_away_loses_the_internal_events_seat_counts(world):
    member = world.users["member"]
    token = await database_sync_to_async(services.member_token)(member=member)
    event_page = await opened(by_token(f"/ws/events/{world.event.pk}/", token))
    bell = await opened(by_token("/ws/notifications/", token))
    await database_sync_to_async(services.member_update)(member=member, municipality=world.giessen)
    assert await closed_with(event_page) == 4404
    assert await stays_open(bell)  # the bell is the member's own, wherever they live


async def test_an_events_page_closes_when_its_audience_no_longer_includes_the_member(world):
    token = await database_sync_to_async(services.member_token)(member=world.users["other"])
    network_event = await database_sync_to_async(event_services.event_update)(
        event=world.event, audience="network", audience_municipality=None
    )
    ws = await opened(by_token(f"/ws/events/{network_event.pk}/", token))
    await database_sync_to_async(event_services.event_update)(
        event=network_event, audience="municipality", audience_municipality=world.wetzlar
    )
    assert await closed_with(ws) == 4404


async def test_an_events_page_stays_open_when_the_member_may_still_see_it(world):
    token = await database_sync_to_async(services.member_token)(member=world.users["member"])
    ws = await opened(by_token(f"/ws/events/{world.event.pk}/", token))
    await database_sync_to_async(event_services.event_update)(
        event=world.event, title="Internes Treffen Wetzlar (neu)"
    )
    await database_sync_to_async(services.member_update)(
        member=world.users["member"], role="coordinator"
    )
    assert await stays_open(ws)


# --- refusals reach a real client (daphne) with the contract's close codes ----------------
async def _handshake(address: str, path: str, token: str | None):
    """What a real client sees: a close code, "HTTP <status>", or the first frame."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    try:
        async with websockets.connect(
            f"ws://{address}{path}",
            additional_headers=headers,
            origin=f"http://{address}",
            open_timeout=20,
        ) as ws:
            try:
                frame = await asyncio.wait_for(ws.recv(), timeout=20)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else closed.code
            return json.loads(frame)["type"]
    except websockets.InvalidStatus as refused:
        return f"HTTP {refused.response.status_code}"


def test_refusals_reach_a_real_client_through_daphne_with_the_contracts_codes(world):
    tokens = {role: services.member_token(member=world.users[role]) for role in ("member", "other")}
    private = f"/ws/chat/{world.private_room.slug}/"
    cases = [
        (private, None, 4401),
        (private, "falsch", 4401),
        (private, tokens["other"], 4403),
        (f"/ws/chat/{world.city_room.slug}/", tokens["other"], 4403),
        ("/ws/chat/gibt-es-nicht/", tokens["member"], 4404),
        (private, tokens["member"], "ready"),
        (f"/ws/events/{world.event.pk}/", None, 4401),
        (f"/ws/events/{world.event.pk}/", tokens["other"], 4404),
        ("/ws/forum/threads/999999/", tokens["member"], 4404),
        ("/ws/forum/categories/gibt-es-nicht/", tokens["member"], 4404),
        ("/ws/forum/categories/austausch/", None, 4401),
        ("/ws/notifications/", None, 4401),
    ]

    async def scenario(address):
        return [await _handshake(address, path, token) for path, token, _ in cases]

    with daphne() as address:
        seen = asyncio.run(scenario(address))
    wait_for_other_sessions_to_end()
    assert seen == [expected for _, _, expected in cases]


def test_logging_out_closes_a_real_clients_socket_through_daphne(world, needs_redis):
    """Across processes: the logout in this one, the socket in daphne's."""
    browser = signed_in(world.users["member"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key(browser)}"

    async def scenario(address):
        async with websockets.connect(
            f"ws://{address}/ws/notifications/",
            additional_headers={"Cookie": cookie},
            origin=f"http://{address}",
            open_timeout=20,
        ) as ws:
            assert json.loads(await asyncio.wait_for(ws.recv(), timeout=20))["type"] == "ready"
            await asyncio.to_thread(log_out, browser)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), timeout=20)
            return closed.value.rcvd.code if closed.value.rcvd else None

    with daphne() as address:
        code = asyncio.run(scenario(address))
    wait_for_other_sessions_to_end()
    assert code == 4401


# --- the admin's form deactivates directly ----------------------------------------------
@pytest.fixture
def admin_browser(world):
    admin = world.users["admin"]
    admin.is_superuser = True
    admin.save()
    browser = Client()
    browser.force_login(admin)
    return browser


async def test_deactivating_a_member_in_the_admin_signs_them_out_and_closes_their_sockets(
    world, admin_browser
):
    member = world.users["coordinator"]  # in the private room, no qualification inline
    token = await database_sync_to_async(services.member_token)(member=member)
    browser = await database_sync_to_async(signed_in)(member)
    by_key = await opened(by_token("/ws/notifications/", token))
    by_cookie = await opened(by_session(f"/ws/chat/{world.private_room.slug}/", browser))
    await database_sync_to_async(_post_change)(
        admin_browser, f"/admin/community/user/{member.pk}/change/", is_active=""
    )
    assert await closed_with(by_key) == 4401
    assert await closed_with(by_cookie) == 4401
    assert not await database_sync_to_async(ApiToken.objects.filter(user=member).exists)()
    key = session_key(browser)
    assert not await database_sync_to_async(Session.objects.filter(pk=key).exists)()
