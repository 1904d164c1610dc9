"""Chat history is kept as long as configured; purging leaves seqs and clients intact."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from chat import retention, selectors
from chat import services as chat_services
from chat.models import Message, Room, RoomKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def room_with_history(member, make_member):
    """Seqs 1–5 are 100 days old, 6–8 from today."""
    other = make_member(display_name="Bernd Becker")
    room = chat_services.room_create(
        created_by=member, name="Projektgruppe", kind=RoomKind.PRIVATE, members=[member, other]
    )
    for n in range(1, 9):
        chat_services.message_post(
            room=room, author=member, body=f"Nachricht {n}", client_id=f"c{n}", rate_limited=False
        )
    Message.objects.filter(room=room, seq__lte=5).update(
        created_at=timezone.now() - dt.timedelta(days=100)
    )
    return room


def seqs(room) -> list[int]:
    return list(Message.objects.filter(room=room).order_by("seq").values_list("seq", flat=True))


def test_history_is_kept_for_ever_by_default(room_with_history):
    out = StringIO()
    call_command("purge_chat_history", stdout=out)
    assert "nichts gelöscht" in out.getvalue()
    assert seqs(room_with_history) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_purge_deletes_messages_older_than_the_retention(settings, room_with_history):
    settings.CHAT_RETENTION_DAYS = 30
    out = StringIO()
    call_command("purge_chat_history", stdout=out)
    assert "private: 5 Nachricht(en) gelöscht." in out.getvalue()
    assert seqs(room_with_history) == [6, 7, 8]
    assert Room.objects.get(pk=room_with_history.pk).last_seq == 8  # seqs are never reused


def test_dry_run_only_counts(settings, room_with_history):
    settings.CHAT_RETENTION_DAYS = 30
    out = StringIO()
    call_command("purge_chat_history", "--dry-run", stdout=out)
    assert "private: 5 Nachricht(en) würden gelöscht." in out.getvalue()
    assert len(seqs(room_with_history)) == 8


def test_retention_per_room_kind_overrides_the_default(settings, room_with_history):
    settings.CHAT_RETENTION_DAYS = 0
    settings.CHAT_RETENTION_DAYS_BY_KIND = {"network": 30}
    assert retention.chat_history_purge() == {"network": 0}
    assert len(seqs(room_with_history)) == 8
    settings.CHAT_RETENTION_DAYS_BY_KIND = {"private": 365}
    retention.chat_history_purge()
    assert len(seqs(room_with_history)) == 8
    settings.CHAT_RETENTION_DAYS_BY_KIND = {"private": 30}
    retention.chat_history_purge()
    assert seqs(room_with_history) == [6, 7, 8]


def test_after_a_purge_sync_and_history_start_at_the_oldest_kept_message(
    settings, room_with_history, member, member_api
):
    settings.CHAT_RETENTION_DAYS = 30
    retention.chat_history_purge()
    room = Room.objects.get(pk=room_with_history.pk)
    # A client asking for purged seqs gets what is left, without error.
    messages, has_more = selectors.messages_after(room=room, after=2)
    assert [m.seq for m in messages] == [6, 7, 8] and not has_more
    messages, has_more = selectors.messages_before(room=room, before=7)
    assert [m.seq for m in messages] == [6] and not has_more
    response = member_api.get(f"/api/chat/rooms/{room.slug}/messages/", {"after": 0})
    assert response.status_code == 200
    assert [m["seq"] for m in response.json()["results"]] == [6, 7, 8]
    response = member_api.get(f"/api/chat/rooms/{room.slug}/messages/", {"before": 3})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_the_next_message_continues_the_seq_after_a_purge(settings, room_with_history, member):
    settings.CHAT_RETENTION_DAYS = 30
    retention.chat_history_purge()
    room = Room.objects.get(pk=room_with_history.pk)
    message, _new = chat_services.message_post(
        room=room, author=member, body="Weiter", client_id="c9", rate_limited=False
    )
    assert message.seq == 9


def test_unread_counts_survive_a_purge(settings, room_with_history, member, make_member):
    reader = room_with_history.memberships.exclude(member=member).get().member
    before = {r.pk: r.unread for r in selectors.room_list_for(member=reader)}
    settings.CHAT_RETENTION_DAYS = 30
    retention.chat_history_purge()
    after = {r.pk: r.unread for r in selectors.room_list_for(member=reader)}
    assert after == before
    assert after[room_with_history.pk] == 8


def test_the_room_page_opens_after_everything_was_purged(
    settings, client, room_with_history, member
):
    Message.objects.filter(room=room_with_history).update(
        created_at=timezone.now() - dt.timedelta(days=100)
    )
    settings.CHAT_RETENTION_DAYS = 30
    retention.chat_history_purge()
    client.force_login(member)
    response = client.get(f"/chat/{room_with_history.slug}/")
    assert response.status_code == 200
    assert 'data-last-seq="8"' in response.content.decode()
