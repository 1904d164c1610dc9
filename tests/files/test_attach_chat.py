"""Files in chat messages: over the socket, REST and the page; who sees them; the cost."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from chat import services as chat_services
from chat.models import Message, RoomKind
from chat.retention import chat_history_purge
from tests.chat.conftest import joined, next_of
from tests.files.attach import gone, statuses, upload
from tests.queries import assert_constant_queries

FILE_FIELDS = {
    "id",
    "name",
    "size",
    "content_type",
    "url",
    "thumbnail_url",
    "width",
    "height",
    "created_at",
}


# --- the socket -------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_a_message_of_only_a_file_reaches_the_room_with_its_file_object(
    network_room, member, token, make_member, make_token
):
    file = await database_sync_to_async(upload)(member)
    reader = await database_sync_to_async(make_member)()
    other_ws, _ready = await joined(await database_sync_to_async(make_token)(reader), "allgemein")
    ws, _ready = await joined(token, "allgemein")
    await ws.send_json_to(
        {"type": "message", "body": "", "client_id": "nur-bild", "attachments": [str(file.pk)]}
    )
    for socket in (ws, other_ws):
        frame = await next_of(socket, "message")
        message = frame["message"]
        assert message["body"] == "" and message["client_id"] == "nur-bild"
        assert [f["id"] for f in message["attachments"]] == [str(file.pk)]
        assert set(message["attachments"][0]) == FILE_FIELDS
    stored = await database_sync_to_async(
        lambda: [f.pk for f in Message.objects.get(client_id="nur-bild").attachments.all()]
    )()
    assert stored == [file.pk]
    await ws.disconnect()
    await other_ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_someone_elses_file_gets_an_error_frame_and_nothing_is_stored(
    network_room, member, token, make_member
):
    stranger = await database_sync_to_async(make_member)()
    foreign = await database_sync_to_async(upload)(stranger)
    ws, _ready = await joined(token, "allgemein")
    await ws.send_json_to(
        {"type": "message", "body": "Schau", "client_id": "c1", "attachments": [str(foreign.pk)]}
    )
    error = await next_of(ws, "error")
    assert error["code"] == "invalid" and error["client_id"] == "c1"
    # The socket stays open and the next message goes through, with seq 1: nothing was stored.
    await ws.send_json_to({"type": "message", "body": "Weiter", "client_id": "c2"})
    frame = await next_of(ws, "message")
    assert frame["message"]["seq"] == 1 and frame["message"]["attachments"] == []
    assert await database_sync_to_async(lambda: foreign.__class__.objects.get(pk=foreign.pk))()
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_malformed_attachments_in_a_frame_get_an_error_frame(network_room, token):
    ws, _ready = await joined(token, "allgemein")
    for n, attachments in enumerate(["x", [1], ["x" * 100], [str(i) for i in range(11)], {}]):
        await ws.send_json_to(
            {"type": "message", "body": "x", "client_id": f"bad-{n}", "attachments": attachments}
        )
        assert (await next_of(ws, "error"))["code"] == "invalid", attachments
    await ws.send_json_to({"type": "message", "body": "", "client_id": "leer"})
    assert (await next_of(ws, "error"))["code"] == "invalid"  # no text and no file
    await ws.disconnect()


# --- REST and access ------------------------------------------------------------------------
@pytest.fixture
def sent(network_room, member):
    file = upload(member)
    message, _created = chat_services.message_post(
        room=network_room,
        author=member,
        body="Bild",
        client_id="mit-bild",
        rate_limited=False,
        attachments=[file.pk],
    )
    return message, file


@pytest.mark.django_db
def test_the_message_list_and_the_message_carry_their_files(member_api, network_room, sent):
    message, file = sent
    rows = member_api.get(f"/api/chat/rooms/{network_room.slug}/messages/").json()["results"]
    assert [f["id"] for f in rows[0]["attachments"]] == [str(file.pk)]
    one = member_api.get(f"/api/chat/rooms/{network_room.slug}/messages/{message.seq}/").json()
    assert one["attachments"][0]["url"] == file.get_absolute_url()


@pytest.mark.django_db
def test_editing_a_message_replaces_its_files(member_api, member, network_room, sent):
    message, file = sent
    new = upload(member)
    response = member_api.patch(
        f"/api/chat/rooms/{network_room.slug}/messages/{message.seq}/",
        {"attachments": [str(new.pk)]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [f["id"] for f in response.json()["attachments"]] == [str(new.pk)]
    assert response.json()["body"] == "Bild"
    assert gone(file)
    # Neither text nor file: refused.
    response = member_api.patch(
        f"/api/chat/rooms/{network_room.slug}/messages/{message.seq}/",
        {"body": "", "attachments": []},
        format="json",
    )
    assert response.status_code == 400
    assert not gone(new)


@pytest.mark.django_db
def test_deleting_a_message_deletes_its_files(member_api, network_room, sent):
    message, file = sent
    response = member_api.delete(f"/api/chat/rooms/{network_room.slug}/messages/{message.seq}/")
    assert response.status_code == 204
    assert gone(file)


@pytest.mark.django_db
def test_a_private_rooms_file_is_404_for_everyone_outside_it(
    api_client, client, member, make_member, make_municipality
):
    insider, outsider = make_member(), make_member(municipality=make_municipality())
    room = chat_services.room_create(created_by=member, name="Kreis", members=[insider])
    file = upload(member)
    chat_services.message_post(
        room=room, author=member, body="", client_id="p", rate_limited=False, attachments=[file.pk]
    )
    assert statuses(api_client, client, insider, file) == (200, 200)
    assert statuses(api_client, client, outsider, file) == (404, 404)
    # Whoever leaves the room loses its files at once.
    chat_services.room_leave(room=room, member=insider)
    assert statuses(api_client, client, insider, file) == (404, 404)


@pytest.mark.django_db
def test_a_city_rooms_file_is_404_for_another_municipality(
    api_client, client, member, municipality, make_member, make_municipality
):
    room = chat_services.room_ensure_for_municipality(municipality=municipality)
    neighbour = make_member(municipality=municipality)
    stranger = make_member(municipality=make_municipality())
    file = upload(member)
    chat_services.message_post(
        room=room, author=member, body="x", client_id="s", rate_limited=False, attachments=[file.pk]
    )
    assert room.kind == RoomKind.MUNICIPALITY
    assert statuses(api_client, client, neighbour, file) == (200, 200)
    assert statuses(api_client, client, stranger, file) == (404, 404)


@pytest.mark.django_db
def test_the_send_form_of_the_page_takes_files(client, member, network_room):
    file = upload(member)
    client.force_login(member)
    response = client.post(
        f"/chat/{network_room.slug}/senden/",
        {"body": "", "client_id": "seite-1", "attachments": [str(file.pk)]},
    )
    assert response.status_code == 302
    message = Message.objects.get(client_id="seite-1")
    assert [f.pk for f in message.attachments.all()] == [file.pk]
    page = client.get(f"/chat/{network_room.slug}/").content.decode()
    assert file.get_thumbnail_url() in page


# --- what it costs -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_message_list_costs_the_same_with_images(
    member_api, member, network_room, django_assert_num_queries
):
    chat_services.message_post(
        room=network_room, author=member, body="erste", client_id="c0", rate_limited=False
    )

    def grow():
        for n in range(49):
            files = [upload(member).pk] if n < 20 else None
            chat_services.message_post(
                room=network_room,
                author=member,
                body=f"Nachricht {n}",
                client_id=f"g{n}",
                rate_limited=False,
                attachments=files,
            )

    assert_constant_queries(
        member_api,
        f"/api/chat/rooms/{network_room.slug}/messages/?page_size=50",
        grow,
        django_assert_num_queries,
        status=200,
    )


@pytest.mark.django_db
def test_the_chat_page_costs_the_same_with_images(
    client, member, network_room, django_assert_num_queries
):
    client.force_login(member)
    chat_services.message_post(
        room=network_room, author=member, body="erste", client_id="c0", rate_limited=False
    )

    def grow():
        for n in range(30):
            chat_services.message_post(
                room=network_room,
                author=member,
                body=f"Nachricht {n}",
                client_id=f"g{n}",
                rate_limited=False,
                attachments=[upload(member).pk] if n % 2 else None,
            )

    assert_constant_queries(
        client, f"/chat/{network_room.slug}/", grow, django_assert_num_queries, status=200
    )


@pytest.mark.django_db
def test_messages_purged_by_the_retention_take_their_files_along(
    settings, member, network_room, sent
):
    message, file = sent
    settings.CHAT_RETENTION_DAYS = 30
    chat_history_purge(now=timezone.now() + dt.timedelta(days=31))
    assert not Message.objects.filter(pk=message.pk).exists()
    assert gone(file)
