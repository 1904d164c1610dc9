"""A flagged post rings the moderators' bell (stored, live), and nobody else's."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from community import services as community_services
from config.asgi import application
from forum import services
from notifications.models import Notification
from tests.forum.test_live import _close_thread_connection


@pytest.mark.django_db
def test_flagging_notifies_every_moderator_but_not_members(
    reply, member, moderator, admin_member, coordinator
):
    flag = services.flag_create(member=member, post=reply, reason="Werbung")
    notified = Notification.objects.filter(kind="forum.flag")
    assert set(notified.values_list("recipient", flat=True)) == {moderator.pk, admin_member.pk}
    note = notified.get(recipient=moderator)
    assert note.url == f"/forum/moderation/#meldung-{flag.pk}"
    assert "Werbung" in note.text and "Anna Schmidt" in note.text
    assert note.actor == member


@pytest.mark.django_db
def test_a_flagging_moderator_is_not_told_of_their_own_flag(reply, moderator):
    services.flag_create(member=moderator, post=reply, reason="Doppelt")
    assert not Notification.objects.filter(kind="forum.flag").exists()


@pytest.mark.django_db
def test_opening_the_queue_reads_the_flag_notifications(client, reply, member, moderator):
    services.flag_create(member=member, post=reply, reason="Werbung")
    client.force_login(moderator)
    page = client.get("/forum/moderation/").content.decode()
    assert "Werbung" in page and 'id="meldung-' in page
    assert not Notification.objects.filter(recipient=moderator, read_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
async def test_the_moderators_bell_rings_live(reply, member, moderator):
    token = await database_sync_to_async(community_services.member_token)(member=moderator)
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
    await database_sync_to_async(services.flag_create)(member=member, post=reply, reason="Spam")
    event = await ws.receive_json_from(timeout=5)
    assert event["type"] == "notification"
    assert event["notification"]["kind"] == "forum.flag"
    assert event["notification"]["url"].startswith("/forum/moderation/#meldung-")
    await ws.disconnect()
    await _close_thread_connection()
