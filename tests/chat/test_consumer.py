"""The chat socket against the real ASGI application, as docs/api.md describes it."""

import asyncio
import contextlib
import json
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from chat import services as chat_services
from chat.models import Message
from community.models import Role
from tests.chat.client import ChatClient, CommunicatorTransport
from tests.chat.conftest import joined, next_of, socket
from tests.sockets import refused_with

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def stored(room):
    return list(Message.objects.filter(room=room).order_by("seq").values_list("seq", "body"))


# --- refusals -------------------------------------------------------------------
async def test_an_anonymous_socket_is_closed_with_4401(network_room):
    assert await refused_with(socket(None, "allgemein")) == 4401


async def test_an_unknown_room_is_closed_with_4404(token, network_room):
    for slug in ["gibt-es-nicht", "x" * 500, "%00", "Ünïcode"]:
        assert await refused_with(socket(token, slug)) == 4404, slug


async def test_a_member_of_another_municipality_is_refused_the_city_room_with_4403(
    city_room, make_member, make_token
):
    stranger = await database_sync_to_async(make_member)()
    token = await database_sync_to_async(make_token)(stranger)
    assert await refused_with(socket(token, city_room.slug)) == 4403


async def test_a_member_of_the_municipality_enters_the_city_room(city_room, token):
    ws, ready = await joined(token, city_room.slug)
    assert ready == {"type": "ready", "room": city_room.slug, "last_seq": 0}
    await ws.disconnect()


async def test_a_non_member_is_refused_a_private_room_with_4403(
    private_room, make_member, make_token
):
    outsider = await database_sync_to_async(make_member)(role=Role.MODERATOR)
    token = await database_sync_to_async(make_token)(outsider)
    assert await refused_with(socket(token, private_room.slug)) == 4403


async def test_a_missing_or_forged_origin_is_refused(token, network_room):
    for origin in [None, b"http://evil.example", b"null", b"http://127.0.0.1.evil.example"]:
        ws = socket(token, "allgemein", origin=(b"origin", origin) if origin else None)
        connected, _code = await ws.connect()
        assert not connected, origin


async def test_the_session_cookie_authenticates_a_browser_socket(client, member, network_room):
    await database_sync_to_async(client.force_login)(member)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from tests.chat.conftest import ORIGIN

    ws = WebsocketCommunicator(
        application, "/ws/chat/allgemein/", headers=[ORIGIN, (b"cookie", cookie.encode())]
    )
    connected, _ = await ws.connect()
    assert connected
    await ws.disconnect()


async def test_a_member_removed_from_a_private_room_is_disconnected_with_4403(
    private_room, member, make_member, make_token
):
    guest = await database_sync_to_async(make_member)()
    await database_sync_to_async(chat_services.room_add_members)(room=private_room, members=[guest])
    ws, _ = await joined(await database_sync_to_async(make_token)(guest), private_room.slug)
    await database_sync_to_async(chat_services.room_remove_members)(
        room=private_room, members=[guest]
    )
    while True:
        output = await ws.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == 4403


def _client_gone_at_accept(app):
    """The application as daphne runs it when it gave up on a slow handshake
    (``--websocket_connect_timeout``): the client is gone, ``accept`` raises."""

    async def wrapped(scope, receive, send):
        async def send_or_fail(message):
            if message["type"] == "websocket.accept":
                raise ConnectionError("Attempt to send on a closed protocol")
            await send(message)

        return await app(scope, receive, send_or_fail)

    return wrapped


async def test_a_socket_whose_client_left_during_the_handshake_leaves_the_room_behind(
    network_room, token
):
    from chat import hub, presence_relay
    from config.asgi import application
    from tests.chat.conftest import ORIGIN

    headers = [ORIGIN, (b"authorization", f"Token {token}".encode())]
    for _attempt in range(3):
        gone = WebsocketCommunicator(
            _client_gone_at_accept(application), "/ws/chat/allgemein/", headers=headers
        )
        with pytest.raises(ConnectionError):
            await gone.connect()
    rooms = hub.room_hub(hub.room_layer()).rooms
    assert network_room.pk not in rooms  # no socket left that the room's events would reach
    assert presence_relay.relay().count(network_room.pk) == 0
    # The room works as before for the next socket.
    ws, ready = await joined(token, "allgemein")
    assert ready["last_seq"] == 0
    assert len(rooms[network_room.pk].sockets) == 1
    await ws.disconnect()
    assert network_room.pk not in rooms


# --- sending and receiving ----------------------------------------------------------
async def test_a_message_is_stored_with_seq_one_and_reaches_everyone_in_the_room(
    network_room, member, make_member, make_token, token
):
    other = await database_sync_to_async(make_member)(display_name="Ben Berger")
    anna, _ = await joined(token, "allgemein")
    ben, _ = await joined(await database_sync_to_async(make_token)(other), "allgemein")
    await anna.send_json_to(
        {"type": "message", "body": "**Hallo** <script>x()</script>", "client_id": "a-1"}
    )
    for ws in (anna, ben):
        frame = await next_of(ws, "message")
        message = frame["message"]
        assert set(message) >= {
            "id",
            "seq",
            "room",
            "author",
            "body",
            "body_html",
            "created_at",
            "client_id",
        }
        assert message["seq"] == 1
        assert message["room"] == "allgemein"
        assert message["author"] == {"id": member.pk, "display_name": "Anna Schmidt"}
        assert message["client_id"] == "a-1"
        assert message["body"] == "**Hallo** <script>x()</script>"
        assert "<strong>Hallo</strong>" in message["body_html"]
        assert "<script" not in message["body_html"]
    assert await stored(network_room) == [(1, "**Hallo** <script>x()</script>")]
    await anna.disconnect()
    await ben.disconnect()


async def test_the_same_client_id_twice_stores_one_message_and_answers_with_it(network_room, token):
    ws, _ = await joined(token, "allgemein")
    frame = {"type": "message", "body": "Nur einmal", "client_id": "gleich"}
    await ws.send_json_to(frame)
    first = await next_of(ws, "message")
    await ws.send_json_to(frame)
    again = await next_of(ws, "message")
    assert again["message"] == first["message"]
    assert await stored(network_room) == [(1, "Nur einmal")]
    await ws.disconnect()


async def test_typing_reaches_the_others_and_is_never_stored(
    network_room, make_member, make_token, token
):
    other = await database_sync_to_async(make_member)(display_name="Ben Berger")
    anna, _ = await joined(token, "allgemein")
    ben, _ = await joined(await database_sync_to_async(make_token)(other), "allgemein")
    await anna.send_json_to({"type": "typing"})
    frame = await next_of(ben, "typing")
    assert frame["user"]["display_name"] == "Anna Schmidt"
    await anna.send_json_to({"type": "sync", "after": 0})  # anna gets no echo of her typing
    history = await next_of(anna, "history")
    assert history == {"type": "history", "messages": [], "has_more": False}
    assert await stored(network_room) == []
    await anna.disconnect()
    await ben.disconnect()


async def test_typing_while_the_layer_is_down_is_dropped_and_the_socket_stays(
    network_room, token, monkeypatch
):
    from chat import hub

    anna, _ = await joined(token, "allgemein")

    async def layer_down(group, event):
        raise ConnectionError("Redis is gone")

    monkeypatch.setattr(hub, "group_send", layer_down)
    await anna.send_json_to({"type": "typing"})
    await anna.send_json_to({"type": "sync", "after": 0})
    assert (await next_of(anna, "history"))["messages"] == []  # still open, still answering
    monkeypatch.undo()
    await anna.disconnect()


async def test_presence_lists_who_is_in_the_room_and_drops_who_left(
    network_room, make_member, make_token, token
):
    other = await database_sync_to_async(make_member)(display_name="Ben Berger")
    anna, _ = await joined(token, "allgemein")
    ben, _ = await joined(await database_sync_to_async(make_token)(other), "allgemein")
    seen = await presence_until(anna, ["Anna Schmidt", "Ben Berger"])
    assert seen[-1] == ["Anna Schmidt", "Ben Berger"], seen
    await ben.disconnect()
    seen = await presence_until(anna, ["Anna Schmidt"])
    assert seen[-1] == ["Anna Schmidt"], seen
    await anna.disconnect()


async def presence_until(ws, wanted: list[str], frames: int = 10) -> list[list[str]]:
    """The names of the presence frames ``ws`` receives until one lists ``wanted``.

    Stops after ``frames`` frames or when none arrives in time, so a wrong list fails
    with what was seen instead of by waiting forever.
    """
    seen: list[list[str]] = [[]]
    with contextlib.suppress(TimeoutError):
        while seen[-1] != wanted and len(seen) <= frames:
            frame = await next_of(ws, "presence")
            seen.append([u["display_name"] for u in frame["online"]])
    return seen[1:] or [[]]


# --- sync and gaps ----------------------------------------------------------------------
@database_sync_to_async
def post_many(room, author, count, prefix="m"):
    for n in range(count):
        chat_services.message_post(
            room=room,
            author=author,
            body=f"{prefix} {n + 1}",
            client_id=f"{prefix}-{n}",
            rate_limited=False,
        )


async def test_sync_returns_everything_after_a_seq_oldest_first_in_pages(
    network_room, member, token
):
    await post_many(network_room, member, 130)
    ws, ready = await joined(token, "allgemein")
    assert ready["last_seq"] == 130
    await ws.send_json_to({"type": "sync", "after": 5})
    page = await next_of(ws, "history")
    assert [m["seq"] for m in page["messages"]] == list(range(6, 106))
    assert page["has_more"] is True
    await ws.send_json_to({"type": "sync", "after": 105})
    page = await next_of(ws, "history")
    assert [m["seq"] for m in page["messages"]] == list(range(106, 131))
    assert page["has_more"] is False
    await ws.disconnect()


async def test_a_client_that_sees_a_gap_fills_it_with_sync(network_room, member, token):
    ws, _ = await joined(token, "allgemein")
    client = ChatClient(CommunicatorTransport(ws), "anna")
    reader = asyncio.ensure_future(client.run())
    with mock.patch("chat.services._send_to_room"):  # the doorbell of seq 1 is lost
        await post_many(network_room, member, 1, prefix="verloren")
    await post_many(network_room, member, 1, prefix="da")
    await client.settle(2, timeout=5)
    assert [m["seq"] for m in client.messages] == [1, 2]
    assert [m["body"] for m in client.messages] == ["verloren 1", "da 1"]
    assert client.syncs >= 1
    reader.cancel()
    await ws.disconnect()


async def test_a_reconnecting_client_gets_everything_after_its_last_seq(
    network_room, member, token
):
    ws, _ = await joined(token, "allgemein")
    client = ChatClient(CommunicatorTransport(ws), "anna")
    reader = asyncio.ensure_future(client.run())
    await post_many(network_room, member, 3, prefix="vorher")
    await client.settle(3, timeout=5)
    reader.cancel()
    await ws.disconnect()
    await post_many(network_room, member, 4, prefix="offline")
    ws, _ = socket(token, "allgemein"), None
    connected, _ = await ws.connect()
    assert connected
    client.transport = CommunicatorTransport(ws)
    reader = asyncio.ensure_future(client.run())
    await client.settle(7, timeout=5)
    assert [m["seq"] for m in client.messages] == list(range(1, 8))
    reader.cancel()
    await ws.disconnect()


# --- limits and bad input ---------------------------------------------------------------
async def test_a_flood_of_sixty_is_stopped_after_the_burst_with_rate_limited(network_room, token):
    ws, _ = await joined(token, "allgemein")
    for n in range(60):
        await ws.send_json_to({"type": "message", "body": f"Flut {n}", "client_id": f"f{n}"})
    errors = 0
    messages = 0
    while errors + messages < 60:
        frame = await ws.receive_json_from(timeout=5)
        if frame["type"] == "error":
            assert frame["code"] == "rate_limited"
            errors += 1
        elif frame["type"] == "message":
            messages += 1
    rows = await stored(network_room)
    # A burst of 10 (and what trickled in at one a second while the flood was read).
    assert 10 <= len(rows) <= 13
    assert errors == 60 - len(rows)
    assert [seq for seq, _body in rows] == list(range(1, len(rows) + 1))
    await ws.disconnect()


BAD_FRAMES = [
    ({"type": "message", "body": "x" * 4001, "client_id": "lang"}, "too_long"),
    ({"type": "message", "body": "   ", "client_id": "leer"}, "invalid"),
    ({"type": "message", "body": "ohne client_id"}, "invalid"),
    ({"type": "message", "body": "zu lang", "client_id": "x" * 65}, "invalid"),
    ({"type": "message", "body": ["keine", "Zeichenkette"], "client_id": "l"}, "invalid"),
    ({"type": "message", "body": "falsche id", "client_id": 17}, "invalid"),
    ({"type": "message", "body": "Null\u0000zeichen", "client_id": "nul"}, "invalid"),
    ({"type": "message", "body": "Nullzeichen in der id", "client_id": "n\u0000l"}, "invalid"),
    ({"type": "sync", "after": "gestern"}, "invalid"),
    ({"type": "sync", "after": -1}, "invalid"),
    ({"type": "sync", "after": True}, "invalid"),
    ({"type": "sync", "after": 10**30}, "invalid"),
    ({"type": "sync", "after": 1.5}, "invalid"),
    ({"type": "sync"}, "invalid"),
    ({"type": "tanzen"}, "invalid"),
    ({"type": None}, "invalid"),
    ({"kein": "type"}, "invalid"),
    (["eine", "Liste"], "invalid"),
    ("nur ein Text", "invalid"),
    (None, "invalid"),
]


async def test_bad_frames_get_an_error_frame_each_and_the_socket_stays_open(network_room, token):
    ws, _ = await joined(token, "allgemein")
    for frame, code in BAD_FRAMES:
        await ws.send_to(text_data=json.dumps(frame))
        error = await next_of(ws, "error")
        assert (error["code"], bool(error["detail"])) == (code, True), frame
    for raw in [
        {"text_data": "{kein json"},
        {"text_data": " "},
        {"text_data": "[" * 60000},
        {"bytes_data": b"\x00binary"},
    ]:
        await ws.send_to(**raw)
        assert (await next_of(ws, "error"))["code"] == "invalid", raw
    await ws.send_json_to({"type": "message", "body": "Noch da", "client_id": "ok"})
    assert (await next_of(ws, "message"))["message"]["body"] == "Noch da"
    assert await stored(network_room) == [(1, "Noch da")]
    await ws.disconnect()


async def test_a_closed_room_refuses_new_messages_with_an_error(network_room, token):
    ws, _ = await joined(token, "allgemein")
    await database_sync_to_async(chat_services.room_close)(room=network_room)
    assert (await next_of(ws, "room_closed"))["room"] == "allgemein"
    await ws.send_json_to({"type": "message", "body": "Hallo?", "client_id": "zu"})
    assert (await next_of(ws, "error"))["code"] == "invalid"
    assert await stored(network_room) == []
    await ws.disconnect()


# --- the language of error details ------------------------------------------------------
async def _first_error(headers: list[tuple[bytes, bytes]], token: str, frame: dict) -> str:
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from tests.chat.conftest import ORIGIN

    ws = WebsocketCommunicator(
        application,
        "/ws/chat/allgemein/",
        headers=[ORIGIN, (b"authorization", f"Token {token}".encode()), *headers],
    )
    connected, code = await ws.connect()
    assert connected, code
    assert (await ws.receive_json_from())["type"] == "ready"
    await ws.send_json_to(frame)
    detail = (await next_of(ws, "error"))["detail"]
    await ws.disconnect()
    return detail


async def test_error_details_are_in_the_language_the_member_chose_for_the_pages(
    network_room, token
):
    """The language switch's cookie, as LocaleMiddleware reads it for a page."""
    cookie = (b"cookie", f"{settings.LANGUAGE_COOKIE_NAME}=en".encode())
    assert await _first_error([cookie], token, {"type": "tanzen"}) == "Unknown type."
    assert await _first_error([], token, {"type": "tanzen"}) == "Unbekannter type."


async def test_a_client_with_a_token_gets_error_details_in_its_accept_language(network_room, token):
    english = [(b"accept-language", b"en-GB,en;q=0.9")]
    assert await _first_error(english, token, {"type": "sync"}) == (
        "after must be a whole number ≥ 0."
    )
    german = [(b"accept-language", b"de-DE,de;q=0.9,en;q=0.5")]
    assert await _first_error(german, token, {"type": "sync"}) == (
        "after muss eine ganze Zahl ≥ 0 sein."
    )
    unknown = [(b"accept-language", b"tlh")]  # Klingon: the site's default
    assert await _first_error(unknown, token, {"type": "sync"}) == (
        "after muss eine ganze Zahl ≥ 0 sein."
    )


async def test_the_services_refusals_reach_the_socket_in_its_language_too(network_room, token):
    english = [(b"accept-language", b"en")]
    too_long = {"type": "message", "body": "x" * 4001, "client_id": "lang"}
    detail = await _first_error(english, token, too_long)
    german = await _first_error([], token, too_long)
    assert detail != german and "4000" in detail and "4000" in german
    assert "Zeichen" in german and "Zeichen" not in detail
