"""One entry per conversation, read when seen, and the signal Web Push hooks into (issue 20)."""

import datetime

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import services as community_services
from config.asgi import application
from core import realtime
from notifications import selectors, services
from notifications.models import Notification
from notifications.serializers import NotificationSerializer, notification_payloads
from notifications.signals import notification_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """What ``notification_changed`` said, in order."""
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    notification_changed.connect(receiver, dispatch_uid="test-heard")
    yield calls
    notification_changed.disconnect(dispatch_uid="test-heard")


@pytest.fixture
def rung(monkeypatch, member, bell_open):
    """The live events sent to members' groups (``member`` has a bell open)."""
    bell_open(member)
    sent = []
    original = realtime.group_send_many

    def record(sends):
        sent.extend(sends)
        original(sends)

    monkeypatch.setattr(realtime, "group_send_many", record)
    return sent


def test_a_collapsing_kind_needs_its_conversation(member):
    with pytest.raises(ValueError, match="thread_key"):
        services.notify_members(recipients=[member.pk], kind="forum.reply", text="x", url="/")


def test_the_live_payload_is_the_apis_row(member, other, notify):
    notify(member, thread="a")
    notify(member, thread="a")
    notify(member, kind="forum.mention", thread="b")
    rows = list(Notification.objects.order_by("pk"))
    assert notification_payloads(rows) == NotificationSerializer(rows, many=True).data


def test_mentions_never_collapse(member, other, notify):
    notify(member, kind="forum.mention", text="eins")
    notify(member, kind="forum.mention", text="zwei")
    assert Notification.objects.filter(recipient=member).count() == 2


def test_a_late_job_of_an_earlier_reply_does_not_hide_the_latest_one(member, other):
    """Two replies' jobs may finish in either order: the entry counts both and
    still tells of the later reply (its author, text and time)."""
    later = timezone.now()
    earlier = later - datetime.timedelta(seconds=5)
    for at, text in ((later, "zweite"), (earlier, "erste")):
        services.notify_members(
            recipients=[member.pk], kind="forum.reply", text=text, url="/t/1/",
            thread_key="thread:1", actor=other, at=at,
        )  # fmt: skip
    entry = Notification.objects.get(recipient=member)
    assert entry.item_count == 2
    assert entry.text == "zweite"
    assert entry.created_at == later


def test_many_members_are_told_in_constant_queries(make_member, other):
    few = [make_member().pk for _ in range(2)]
    many = [make_member().pk for _ in range(20)]
    counts = []
    for people in (few, many, few, many):  # new entries, then counted on
        with CaptureQueriesContext(connection) as queries:
            services.notify_members(
                recipients=people,
                kind="forum.reply",
                text="Olaf hat geantwortet",
                url="/forum/beitrag/1/",
                thread_key="forum.thread.1",
                thread_title="Thema",
                actor=other,
            )
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] and counts[2] == counts[3]
    assert set(Notification.objects.values_list("item_count", flat=True)) == {2}


def test_the_signal_follows_the_commit_with_the_entries(
    member, other, notify, heard, bell_open, django_capture_on_commit_callbacks
):
    bell_open(member)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = notify(member)
    assert heard == []  # nothing before the commit
    for callback in callbacks:
        callback()
    (said,) = heard
    assert said["action"] == "new"
    assert [n.pk for n in said["notifications"]] == [note.pk]
    assert said["notifications"][0].recipient_id == member.pk
    assert said["payloads"][note.pk]["id"] == note.pk
    assert said["unread_counts"] == {member.pk: 1}
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_mark_read(member=member)
    assert heard[-1]["action"] == "read"
    assert heard[-1]["recipient_ids"] == [member.pk]
    assert heard[-1]["unread_counts"] == {}


def test_the_live_bell_gets_the_count_with_every_entry(
    member, notify, rung, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, thread="a")
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, thread="a")  # the same entry, counted on: the count stays 1
    assert [(g, e["type"], e["unread_count"]) for g, e in rung] == [
        (realtime.user_group(member.pk), realtime.NOTIFICATION_NEW, 1),
        (realtime.user_group(member.pk), realtime.NOTIFICATION_NEW, 1),
    ]
    assert rung[-1][1]["notification"]["text"] == "2 neue Antworten in „a“"


# --- read when seen ------------------------------------------------------------------------------
def test_the_list_page_marks_what_it_shows_read(
    member_client, member, notify, rung, django_capture_on_commit_callbacks
):
    for n in range(32):
        notify(member, thread=f"Thema {n}")
    with django_capture_on_commit_callbacks(execute=True):
        page = member_client.get("/benachrichtigungen/").content.decode()
    assert page.count("Ungelesen:") == 30  # shown as new this once
    assert selectors.notification_unread_count(member=member) == 2  # the next page's
    assert rung[-1] == (
        realtime.user_group(member.pk),
        {"type": realtime.NOTIFICATION_COUNT, "unread_count": 2},
    )
    assert member_client.get("/benachrichtigungen/").content.decode().count("Ungelesen:") == 0


def test_the_api_marks_the_shown_ids_and_says_the_count(member_api, member, notify):
    shown = notify(member, thread="a")
    notify(member, thread="b")
    assert member_api.post(
        "/api/notifications/read/", {"ids": [shown.pk]}, format="json"
    ).json() == {"marked": 1}
    assert member_api.get("/api/notifications/").json()["unread_count"] == 1


def test_unread_selector_for_the_start_page(member, notify):
    notify(member, kind="forum.mention", thread="a")
    notify(member, thread="b")
    read = notify(member, kind="project.invitation", thread="c")
    services.notifications_mark_read(member=member, ids=[read.pk])
    assert [n.kind for n in selectors.unread_notifications(member=member)] == [
        "forum.reply",
        "forum.mention",
    ]
    assert [
        n.kind for n in selectors.unread_notifications(member=member, kinds=["forum.mention"])
    ] == ["forum.mention"]


@database_sync_to_async
def _close_thread_connection():
    """The executor thread's own DB connection; left open it blocks dropping the test DB."""
    connection.close()


@pytest.mark.django_db(transaction=True)
async def test_a_tab_learns_the_count_when_another_reads(member, other):
    token = await database_sync_to_async(community_services.member_token)(member=member)
    ws = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"authorization", f"Token {token}".encode()),
        ],
    )
    connected, _ = await ws.connect()
    assert connected
    assert await ws.receive_json_from() == {"type": "ready"}
    await database_sync_to_async(services.notify_members)(
        recipients=[member.pk],
        kind="forum.reply",
        text="Olaf hat geantwortet",
        url="/forum/beitrag/1/",
        thread_key="forum.thread.1",
        thread_title="Thema",
        actor=other,
    )
    frame = await ws.receive_json_from(timeout=5)
    assert (frame["type"], frame["unread_count"]) == ("notification", 1)
    await database_sync_to_async(services.notifications_mark_read)(member=member)
    assert await ws.receive_json_from(timeout=5) == {"type": "count", "unread_count": 0}
    await ws.disconnect()
    await _close_thread_connection()
