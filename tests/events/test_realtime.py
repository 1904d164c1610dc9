"""Live seat counts over the event socket (events.consumers)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from community import services as community_services
from config.asgi import application
from events import services
from tests.sockets import refused_with

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def communicator(event_id, token=None):
    headers = [ORIGIN]
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    return WebsocketCommunicator(application, f"/ws/events/{event_id}/", headers=headers)


@pytest.fixture
def token(member):
    return community_services.member_token(member=member)


async def test_anonymous_sockets_are_closed_with_4401(event):
    assert await refused_with(communicator(event.pk)) == 4401


@pytest.fixture
def hidden_event(make_event, admin_member, make_municipality):
    elsewhere = make_municipality(name="Kassel")
    return make_event(
        created_by=admin_member, audience="municipality", audience_municipality=elsewhere
    )


async def test_invisible_and_missing_events_are_closed_with_4404(hidden_event, token):
    for event_id in (hidden_event.pk, 999999):
        assert await refused_with(communicator(event_id, token)) == 4404


async def test_seat_counts_arrive_when_someone_signs_up_or_cancels(event, token, make_member):
    others = [await sync_to_async(make_member)() for _ in range(3)]
    ws = communicator(event.pk, token)
    connected, _ = await ws.connect()
    assert connected
    first = await ws.receive_json_from()
    assert first["type"] == "seats"
    assert first["seats"]["confirmed_count"] == 0
    assert first["seats"]["capacity"] == 2

    for person in others:
        await sync_to_async(services.signup_create)(event=event, member=person)
    counts = [(await ws.receive_json_from(timeout=5))["seats"] for _ in others]
    assert [(c["confirmed_count"], c["waitlist_count"], c["seats_left"]) for c in counts] == [
        (1, 0, 1),
        (2, 0, 0),
        (2, 1, 0),
    ]
    await sync_to_async(services.signup_cancel)(event=event, member=others[0])
    after = (await ws.receive_json_from(timeout=5))["seats"]
    assert (after["confirmed_count"], after["waitlist_count"]) == (2, 0)
    await ws.disconnect()


async def test_the_socket_is_read_only(event, token):
    ws = communicator(event.pk, token)
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["type"] == "seats"
    await ws.send_json_to({"type": "signup"})
    assert (await ws.receive_json_from())["type"] == "error"
    await ws.disconnect()
