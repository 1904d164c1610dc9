"""Live updates over Channels: an open thread sees new posts and edits without a reload."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection

from community import services as community_services
from config.asgi import application
from forum import services
from tests.sockets import refused_with

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def socket(path, token=None):
    headers = [ORIGIN]
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@database_sync_to_async
def _close_thread_connection():
    """The executor thread's own DB connection; left open it blocks dropping the test DB."""
    connection.close()


@pytest.fixture
def token(member):
    return community_services.member_token(member=member)


async def test_an_open_thread_receives_new_posts_and_edits(thread, other, token):
    ws = socket(f"/ws/forum/threads/{thread.pk}/", token)
    connected, _ = await ws.connect()
    assert connected
    assert await ws.receive_json_from() == {"type": "ready"}

    post = await database_sync_to_async(services.post_create)(
        author=other, thread=thread, body="**Live** dabei"
    )
    event = await ws.receive_json_from(timeout=5)
    assert event["type"] == "post"
    assert event["post"]["id"] == post.pk and event["post"]["number"] == 2
    assert event["post"]["body_html"] == "<p><strong>Live</strong> dabei</p>"
    assert event["post"]["author"]["display_name"] == "Olaf Otto"

    await database_sync_to_async(services.post_update)(editor=other, post=post, body="geändert")
    event = await ws.receive_json_from(timeout=5)
    assert event["type"] == "post_changed" and event["post"]["body_html"] == "<p>geändert</p>"
    await ws.disconnect()
    await _close_thread_connection()


async def test_the_bell_rings_for_a_reply_in_a_watched_thread(thread, other, token, member):
    ws = socket("/ws/notifications/", token)
    connected, _ = await ws.connect()
    assert connected
    assert await ws.receive_json_from() == {"type": "ready"}
    await database_sync_to_async(services.post_create)(author=other, thread=thread, body="Hallo")
    event = await ws.receive_json_from(timeout=5)
    assert event["type"] == "notification"
    assert event["notification"]["kind"] == "forum.reply"
    assert event["notification"]["url"].startswith("/forum/beitrag/")
    await ws.disconnect()
    await _close_thread_connection()


async def test_a_category_list_hears_of_new_activity(thread, other, token, category):
    ws = socket(f"/ws/forum/categories/{category.slug}/", token)
    connected, _ = await ws.connect()
    assert connected
    assert await ws.receive_json_from() == {"type": "ready"}
    await database_sync_to_async(services.post_create)(author=other, thread=thread, body="Neu")
    event = await ws.receive_json_from(timeout=5)
    assert event == {
        "type": "activity",
        "thread": {
            "id": thread.pk,
            "post_count": 2,
            "last_activity_at": event["thread"]["last_activity_at"],
        },
    }
    await ws.disconnect()
    await _close_thread_connection()


async def test_sockets_refuse_strangers_and_missing_threads(thread, token):
    assert await refused_with(socket(f"/ws/forum/threads/{thread.pk}/")) == 4401
    assert await refused_with(socket("/ws/forum/threads/999999/", token)) == 4404
    assert await refused_with(socket("/ws/forum/categories/nix/", token)) == 4404
    await _close_thread_connection()
