"""The navigation's chat count stays live over the bell socket (issue 20)."""

import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection

from chat import services, unread_live
from config.asgi import application
from core import realtime

pytestmark = pytest.mark.django_db


def say(room, author, body, client_id):
    message, _created = services.message_post(
        room=room, author=author, body=body, client_id=client_id, rate_limited=False
    )
    return message


@pytest.fixture
def olaf(make_member):
    return make_member(display_name="Olaf Otto")


@pytest.fixture(autouse=True)
def inline(request, monkeypatch):
    """The counting round runs in the test's thread (its own would not see the
    test's transaction); the socket tests keep the real thread."""
    if not request.node.get_closest_marker("django_db").kwargs.get("transaction"):
        monkeypatch.setattr(unread_live, "_start", unread_live._drain)


@pytest.fixture
def told(monkeypatch):
    """The chat counts sent to members' groups: [(member id, unread rooms)]."""
    sent = []
    original = realtime.group_send_many

    def record(sends):
        sent.extend(
            (int(group.rsplit(".", 1)[1]), event["unread_rooms"])
            for group, event in sends
            if event["type"] == realtime.CHAT_UNREAD
        )
        original(sends)

    monkeypatch.setattr(realtime, "group_send_many", record)
    return sent


def test_a_message_in_a_read_room_tells_the_open_pages_once(
    member, olaf, network_room, bell_open, told, django_capture_on_commit_callbacks
):
    services.room_visit(room=network_room, member=member)
    bell_open(member)
    with django_capture_on_commit_callbacks(execute=True):
        say(network_room, olaf, "Neu im Netz", "1")
    assert told == [(member.pk, 1)]
    with django_capture_on_commit_callbacks(execute=True):
        say(network_room, olaf, "Noch was", "2")
    assert told == [(member.pk, 1)]  # unread already: nothing changed


def test_reading_in_another_tab_sets_the_count_back(
    member, olaf, network_room, bell_open, told, django_capture_on_commit_callbacks
):
    services.room_visit(room=network_room, member=member)
    bell_open(member)
    with django_capture_on_commit_callbacks(execute=True):
        say(network_room, olaf, "Neu im Netz", "1")
    with django_capture_on_commit_callbacks(execute=True):
        services.room_membership_update(room=network_room, member=member, last_read_seq=1)
    assert told == [(member.pk, 1), (member.pk, 0)]
    with django_capture_on_commit_callbacks(execute=True):  # read already: nothing changes
        services.room_membership_update(room=network_room, member=member, last_read_seq=1)
    assert told == [(member.pk, 1), (member.pk, 0)]
    with django_capture_on_commit_callbacks(execute=True):
        say(network_room, olaf, "Wieder neu", "2")
    with django_capture_on_commit_callbacks(execute=True):
        services.room_open(room=network_room, member=member)
    assert told[-2:] == [(member.pk, 1), (member.pk, 0)]


def test_only_open_bells_and_unmuted_members_of_the_room_hear_of_it(
    member,
    olaf,
    make_member,
    network_room,
    private_room,
    bell_open,
    told,
    django_capture_on_commit_callbacks,
):
    closed_page, muted, outsider = make_member(), make_member(), make_member()
    for someone in (member, closed_page, muted):
        services.room_visit(room=network_room, member=someone)
    services.room_membership_update(room=network_room, member=muted, muted=True)
    bell_open(member, muted, outsider)
    told.clear()
    with django_capture_on_commit_callbacks(execute=True):
        say(network_room, olaf, "Neu im Netz", "1")
        say(private_room, member, "Nur für den Geheimrat", "p1")  # the outsider is not in it
    assert told == [(member.pk, 1)]


def test_a_deactivated_member_hears_nothing(
    member, olaf, network_room, bell_open, told, django_capture_on_commit_callbacks
):
    from community import services as community_services

    services.room_visit(room=network_room, member=member)
    bell_open(member)
    community_services.member_deactivate(member=member)
    told.clear()
    with django_capture_on_commit_callbacks(execute=True):
        say(network_room, olaf, "Neu im Netz", "1")
    assert told == []


def test_the_counts_of_many_members_are_one_query(
    make_member, olaf, network_room, django_assert_num_queries
):
    people = [make_member() for _ in range(5)]
    for person in people:
        services.room_visit(room=network_room, member=person)
    say(network_room, olaf, "Neu", "1")
    from chat import selectors

    with django_assert_num_queries(1):
        counts = selectors.unread_room_counts(member_ids=[p.pk for p in people])
    assert counts == {p.pk: 1 for p in people}


# --- through the socket ------------------------------------------------------------------------
@database_sync_to_async
def _close_thread_connection():
    connection.close()


@pytest.mark.django_db(transaction=True)
async def test_the_bell_socket_carries_the_chat_count(member, olaf, network_room):
    from community import services as community_services

    await database_sync_to_async(services.room_visit)(room=network_room, member=member)
    token = await database_sync_to_async(community_services.member_token)(member=member)
    ws = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"authorization", f"Token {token}".encode()),
        ],
    )
    assert (await ws.connect())[0]
    assert await ws.receive_json_from() == {"type": "ready"}
    await database_sync_to_async(say)(network_room, olaf, "Neu im Netz", "1")
    assert await ws.receive_json_from(timeout=5) == {"type": "chat_unread", "unread_rooms": 1}
    await database_sync_to_async(services.room_membership_update)(
        room=network_room, member=member, last_read_seq=1
    )
    assert await ws.receive_json_from(timeout=5) == {"type": "chat_unread", "unread_rooms": 0}
    await ws.disconnect()
    await _close_thread_connection()


@pytest.mark.django_db(transaction=True)
async def test_a_message_sent_over_the_chat_socket_updates_the_other_members_navigation(
    member, olaf, network_room
):
    """The chat socket's own path (on PostgreSQL a single statement on the event loop)."""
    from community import services as community_services
    from tests.chat.conftest import joined, next_of

    await database_sync_to_async(services.room_visit)(room=network_room, member=member)
    token = await database_sync_to_async(community_services.member_token)(member=member)
    olaf_token = await database_sync_to_async(community_services.member_token)(member=olaf)
    bell = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"authorization", f"Token {token}".encode()),
        ],
    )
    assert (await bell.connect())[0]
    assert await bell.receive_json_from() == {"type": "ready"}
    chat, _ready = await joined(olaf_token, network_room.slug)
    await chat.send_json_to({"type": "message", "body": "Hallo alle", "client_id": "c1"})
    await next_of(chat, "message")
    assert await bell.receive_json_from(timeout=5) == {"type": "chat_unread", "unread_rooms": 1}
    await chat.disconnect()
    await bell.disconnect()
    await _close_thread_connection()


def test_a_round_whose_loop_went_away_does_not_hold_back_the_next(monkeypatch):
    started = []
    monkeypatch.setattr(unread_live, "_start", lambda: started.append(True))
    monkeypatch.setattr(unread_live, "_running", True)  # its task never ran
    monkeypatch.setattr(unread_live, "_alive_at", time.monotonic())
    unread_live.room_activity(1, 5)
    assert started == []  # a live round takes it
    monkeypatch.setattr(unread_live, "_alive_at", time.monotonic() - unread_live.STALE_SECONDS - 1)
    unread_live.room_activity(1, 6)
    assert started == [True]
    assert unread_live._pending[1] == (5, 6)
    unread_live._discard()
