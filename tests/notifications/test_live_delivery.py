"""Live bells only for members with a bell open, in each member's language (issue 20)."""

import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from community import services as community_services
from community.models import User
from config.asgi import application
from core import realtime
from notifications import online, services
from tests.conftest import require_service
from tests.notifications.replies import notify_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def rung(monkeypatch):
    """The live events handed to the channel layer."""
    sent = []
    original = realtime.group_send_many

    def record(sends):
        sent.extend(sends)
        original(sends)

    monkeypatch.setattr(realtime, "group_send_many", record)
    return sent


def test_only_members_with_a_bell_open_are_sent_to(
    make_member, other, rung, bell_open, django_capture_on_commit_callbacks
):
    watchers = [make_member() for _ in range(12)]
    bell_open(watchers[3], watchers[7])
    with django_capture_on_commit_callbacks(execute=True):
        notify_reply(watchers, other)
    assert sorted(group for group, _event in rung) == sorted(
        realtime.user_group(m.pk) for m in (watchers[3], watchers[7])
    )
    assert {event["unread_count"] for _group, event in rung} == {1}


def test_a_reply_to_watchers_without_a_bell_sends_nothing_live_in_the_same_queries(
    make_member, other, rung, django_capture_on_commit_callbacks
):
    counts = []
    for size, title in ((2, "a"), (20, "b")):
        watchers = [make_member() for _ in range(size)]
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            notify_reply(watchers, other, title=title)
        counts.append(len(queries.captured_queries))
    assert rung == []
    assert counts[0] == counts[1]


def test_read_elsewhere_is_told_only_to_open_bells(
    member, other, rung, bell_open, notify, django_capture_on_commit_callbacks
):
    notify(member)
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_mark_read(member=member)
    assert rung == []
    bell_open(member)
    notify(member, thread="b")
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_mark_read(member=member)
    assert rung == [
        (realtime.user_group(member.pk), {"type": realtime.NOTIFICATION_COUNT, "unread_count": 0})
    ]


# --- sockets counted in and out ---------------------------------------------------------------
def _socket(token: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"authorization", f"Token {token}".encode()),
        ],
    )


@database_sync_to_async
def _close_thread_connection():
    connection.close()


@pytest.mark.django_db(transaction=True)
async def test_two_tabs_both_ring_and_one_closed_leaves_the_other_ringing(member, other):
    token = await database_sync_to_async(community_services.member_token)(member=member)
    first, second = _socket(token), _socket(token)
    for ws in (first, second):
        assert (await ws.connect())[0]
        assert await ws.receive_json_from() == {"type": "ready"}
    assert online.filter_online([member.pk, other.pk]) == {member.pk}
    await database_sync_to_async(notify_reply)([member], other, "a")
    for ws in (first, second):
        assert (await ws.receive_json_from(timeout=5))["type"] == "notification"
    await first.disconnect()
    assert online.filter_online([member.pk]) == {member.pk}
    await database_sync_to_async(notify_reply)([member], other, "b")
    assert (await second.receive_json_from(timeout=5))["type"] == "notification"
    await second.disconnect()
    if not django_settings.REDIS_URL:  # one process: counted exactly
        assert online.filter_online([member.pk]) == set()
    await _close_thread_connection()


async def test_a_member_open_in_two_processes_stays_online_when_one_closes(settings):
    """Two daphne processes (two relays) share the store; a close removes nobody else's."""
    first, second = online.Relay(), online.Relay()
    await first.connected(424242)
    await second.connected(424242)
    await first.disconnected(424242)
    assert online.filter_online([424242]) == {424242}
    await second.disconnected(424242)
    assert first.ticker is None and second.ticker is None  # nothing left to refresh
    if isinstance(online.store(), online.RedisOnline):
        online.store().sync_client.zrem(online.store().key, 424242)


async def test_a_socket_whose_process_died_drops_out_after_the_ttl(monkeypatch):
    require_service("redis", bool(django_settings.REDIS_URL))  # under CI: fail, never skip
    store = online.RedisOnline(django_settings.REDIS_URL, f"bell-test-{time.time()}")
    monkeypatch.setattr(online, "ttl", lambda: 30)
    await store.beat([1, 2])
    assert store.filter_online([1, 2, 3]) == {1, 2}
    later = time.time() + 31
    monkeypatch.setattr(online.time, "time", lambda: later)  # no heartbeat came
    assert store.filter_online([1, 2]) == set()
    await store.beat([2])  # a living process beats on
    assert store.filter_online([1, 2]) == {2}
    store.sync_client.delete(store.key)


def test_without_the_presence_store_everybody_is_sent_to(monkeypatch):
    import redis

    class Broken:
        def filter_online(self, ids):
            raise redis.ConnectionError("down")

    monkeypatch.setattr(online, "_store", Broken())
    assert online.filter_online([1, 2]) == {1, 2}


# --- each member's language -------------------------------------------------------------------
def test_a_page_in_english_is_remembered_once(member, member_client):
    member_client.get("/benachrichtigungen/", headers={"accept-language": "en"})
    member.refresh_from_db()
    assert member.language == "en"
    with CaptureQueriesContext(connection) as queries:
        member_client.get("/benachrichtigungen/", headers={"accept-language": "en"})
    assert not any("UPDATE" in q["sql"] and '"language"' in q["sql"] for q in queries)
    member_client.get("/benachrichtigungen/", headers={"accept-language": "de"})
    member.refresh_from_db()
    assert member.language == ""  # the site's language


def test_one_event_rings_a_german_and_an_english_bell_each_in_its_language(
    make_member, other, rung, bell_open, django_capture_on_commit_callbacks
):
    german, english = make_member(), make_member()
    User.objects.filter(pk=english.pk).update(language="en")
    bell_open(german, english)
    said = []
    for _ in range(2):  # the second reply collapses: "2 neue Antworten …"
        with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
            notify_reply([german, english], other)  # caused by an English request
        said.append({group: event["notification"]["text"] for group, event in rung[-2:]})
    assert said == [
        {
            realtime.user_group(german.pk): "Olaf Otto hat in „Thema“ geantwortet.",
            realtime.user_group(english.pk): "Olaf Otto replied in “Thema”.",
        },
        {
            realtime.user_group(german.pk): "2 neue Antworten in „Thema“",
            realtime.user_group(english.pk): "2 new replies in “Thema”",
        },
    ]


def test_the_list_speaks_the_readers_language_whoever_caused_the_entry(
    member, other, member_api, django_capture_on_commit_callbacks
):
    with translation.override("en"):
        notify_reply([member], other)
    rows = member_api.get("/api/notifications/").json()["results"]
    assert rows[0]["text"] == "Olaf Otto hat in „Thema“ geantwortet."
    rows = member_api.get("/api/notifications/", headers={"accept-language": "en"}).json()
    assert rows["results"][0]["text"] == "Olaf Otto replied in “Thema”."
