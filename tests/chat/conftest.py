"""Rooms, tokens and sockets for the chat tests, built through the services."""

import gc
import time

import pytest
from channels.testing import WebsocketCommunicator
from django.db import connection

from chat import services as chat_services
from chat.models import RoomKind
from community import services
from config.asgi import application

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def wait_for_other_sessions_to_end(timeout: float = 10) -> None:
    """PostgreSQL ends a closed connection's session a moment later; the test
    database can only be dropped (or flushed quickly) once it has."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


@pytest.fixture(scope="session", autouse=True)
def _sessions_end_before_the_test_database_is_dropped(django_db_setup, django_db_blocker):
    """Sockets' worker threads close their connections as the last test ends."""
    yield
    gc.collect()  # connections left in finished worker threads close when collected
    with django_db_blocker.unblock():
        wait_for_other_sessions_to_end(timeout=3)
        if connection.vendor == "postgresql":
            # Whatever is still idle on this run's own test database goes now.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connection.close()


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
