"""Rooms, tokens and sockets for the chat tests, built through the services."""

import pytest
from channels.testing import WebsocketCommunicator

from chat import services as chat_services
from chat.models import RoomKind
from community import services
from config.asgi import application

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@pytest.fixture
def network_room(db):
    return chat_services.room_create(
        created_by=None, name="Allgemein", kind=RoomKind.NETWORK, slug="allgemein"
    )


@pytest.fixture
def city_room(municipality):
    return chat_services.room_ensure_for_municipality(municipality=municipality)


@pytest.fixture
def private_room(member):
    return chat_services.room_create(created_by=member, name="Geheimrat", slug="geheimrat")


@pytest.fixture
def make_token():
    def make(member):
        return services.member_token(member=member)

    return make


@pytest.fixture
def token(member, make_token):
    return make_token(member)


def socket(token: str | None, slug: str, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [origin] if origin else []
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    return WebsocketCommunicator(application, f"/ws/chat/{slug}/", headers=headers)


async def joined(token: str, slug: str) -> tuple[WebsocketCommunicator, dict]:
    """A connected socket and its ``ready`` frame (presence frames skipped)."""
    ws = socket(token, slug)
    connected, code = await ws.connect()
    assert connected, code
    ready = await ws.receive_json_from()
    assert ready["type"] == "ready"
    return ws, ready


async def next_of(ws: WebsocketCommunicator, kind: str, timeout: float = 3) -> dict:
    """The next frame of a type, skipping presence and typing chatter."""
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame
        if frame["type"] not in {"presence", "typing"}:
            raise AssertionError(f"expected {kind}, got {frame}")
