"""The chat's REST API: rooms, history with after/before, and the page's actions."""

import pytest

from chat import services
from chat.models import Message, Room, RoomKind, RoomMembership
from community.models import Role

pytestmark = pytest.mark.django_db


def post(room, author, count, start=0):
    for n in range(start, start + count):
        services.message_post(
            room=room,
            author=author,
            body=f"Nachricht {n + 1}",
            client_id=f"c{n}",
            rate_limited=False,
        )


# --- rooms --------------------------------------------------------------------------
def test_the_room_list_shows_open_city_and_own_private_rooms_with_unread_counts(
    member_api, member, network_room, city_room, private_room, make_member
):
    other = make_member()
    foreign_city = services.room_ensure_for_municipality(municipality=other.municipality)
    services.room_create(created_by=other, name="Fremd privat", slug="fremd")
    post(network_room, other, 3)
    post(city_room, member, 2)
    response = member_api.get("/api/chat/rooms/")
    assert response.status_code == 200
    rooms = {r["slug"]: r for r in response.json()["results"]}
    assert set(rooms) == {"allgemein", city_room.slug, "geheimrat"}
    assert foreign_city.slug not in rooms
    assert rooms["allgemein"]["unread"] == 3
    assert rooms[city_room.slug]["unread"] == 0  # one's own messages are read
    assert rooms["geheimrat"] | {"unread": 0} == rooms["geheimrat"]
    assert rooms["geheimrat"]["is_private"] is True
    assert set(rooms["allgemein"]) >= {"slug", "name", "kind", "is_private"}


def test_the_room_list_takes_the_same_number_of_queries_for_more_rooms(
    member_api, member, make_member, django_assert_num_queries, network_room
):
    def add_rooms(n):
        for i in range(n):
            other = make_member()
            room = services.direct_room_open(member=member, others=[other])
            post(room, other, 2, start=i * 10)
            services.room_create(created_by=member, name=f"Privat {n}-{i}")

    add_rooms(1)
    with django_assert_num_queries(3) as first:
        assert member_api.get("/api/chat/rooms/").status_code == 200
    add_rooms(4)
    with django_assert_num_queries(len(first.captured_queries)):
        response = member_api.get("/api/chat/rooms/")
    assert response.status_code == 200
    direct = [r for r in response.json()["results"] if r["kind"] == "direct"]
    assert len(direct) == 5
    assert all(r["title"].startswith("Mitglied") for r in direct)
    assert all(r["unread"] == 2 for r in direct)


def test_a_member_creates_a_private_room_with_invited_members(member_api, member, make_member):
    guest = make_member()
    response = member_api.post(
        "/api/chat/rooms/",
        {"name": "Arbeitsgruppe OZG", "is_private": True, "members": [guest.handle]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "private"
    assert body["is_private"] is True
    assert body["slug"] == "arbeitsgruppe-ozg"
    room = Room.objects.get(slug="arbeitsgruppe-ozg")
    assert set(RoomMembership.objects.filter(room=room).values_list("member", flat=True)) == {
        member.pk,
        guest.pk,
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": "x", "kind": "direct"}, "kind"),
        ({"name": "x", "kind": "gibtsnicht"}, "kind"),
        ({"name": "x", "is_private": False}, "is_private"),
        ({"name": "x", "slug": "kein slug!"}, "slug"),
        ({"name": "x", "members": ["niemand-da"]}, "members"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_creating_a_room_with_bad_input_names_the_field(member_api, payload, field):
    response = member_api.post("/api/chat/rooms/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_taken_slug_is_a_400(member_api, network_room):
    response = member_api.post(
        "/api/chat/rooms/", {"name": "x", "slug": "allgemein"}, format="json"
    )
    assert response.status_code == 400
    assert "slug" in response.json()


def test_only_moderators_create_open_network_rooms(member_api, api_client, moderator):
    payload = {"name": "Barrierefreiheit", "kind": "network", "is_private": False}
    assert member_api.post("/api/chat/rooms/", payload, format="json").status_code == 403
    api_client.force_authenticate(moderator)
    response = api_client.post("/api/chat/rooms/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["is_private"] is False


def test_unauthenticated_requests_get_no_data(api_client, network_room):
    for url in ["/api/chat/rooms/", "/api/chat/rooms/allgemein/messages/"]:
        assert api_client.get(url).status_code in (401, 403)


# --- history ---------------------------------------------------------------------------
@pytest.fixture
def history(network_room, member):
    post(network_room, member, 12)
    return network_room


def test_after_returns_the_messages_with_a_larger_seq_oldest_first(member_api, history):
    response = member_api.get("/api/chat/rooms/allgemein/messages/?after=4&page_size=5")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [m["seq"] for m in body["results"]] == [5, 6, 7, 8, 9]
    assert body["count"] == 8
    assert "after=9" in body["next"]
    following = member_api.get(body["next"]).json()
    assert [m["seq"] for m in following["results"]] == [10, 11, 12]
    assert following["next"] is None


def test_before_returns_the_latest_with_a_smaller_seq_oldest_first(member_api, history):
    body = member_api.get("/api/chat/rooms/allgemein/messages/?before=10&page_size=4").json()
    assert [m["seq"] for m in body["results"]] == [6, 7, 8, 9]
    assert "before=6" in body["previous"]
    older = member_api.get(body["previous"]).json()
    assert [m["seq"] for m in older["results"]] == [2, 3, 4, 5]
    oldest = member_api.get(older["previous"]).json()
    assert [m["seq"] for m in oldest["results"]] == [1]
    assert oldest["previous"] is None


def test_without_parameters_the_latest_messages_come_oldest_first(member_api, history):
    body = member_api.get("/api/chat/rooms/allgemein/messages/?page_size=3").json()
    assert [m["seq"] for m in body["results"]] == [10, 11, 12]
    message = body["results"][0]
    assert message["room"] == "allgemein"
    assert set(message["author"]) == {"id", "display_name"}
    assert message["body_html"] == "<p>Nachricht 10</p>"


@pytest.mark.parametrize(
    "query",
    [
        "after=x",
        "before=0",
        "after=-1",
        "after=1&before=5",
        "page_size=viele",
        "after=99999999999999999999999",
        "before=99999999999999999999999",
    ],
)
def test_bad_history_parameters_are_a_400(member_api, history, query):
    response = member_api.get(f"/api/chat/rooms/allgemein/messages/?{query}")
    assert response.status_code == 400


def test_history_takes_the_same_number_of_queries_for_more_messages(
    member_api, network_room, member, make_member, django_assert_num_queries
):
    post(network_room, member, 3)
    # The room, the page of messages, their files (one query for the page), the count.
    with django_assert_num_queries(4) as first:
        assert member_api.get("/api/chat/rooms/allgemein/messages/?after=0").status_code == 200
    for n in range(5):
        post(network_room, make_member(), 4, start=100 + n * 10)
    with django_assert_num_queries(len(first.captured_queries)):
        response = member_api.get("/api/chat/rooms/allgemein/messages/?after=0")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 23


def test_a_missing_and_a_forbidden_room_are_both_404(
    api_client, private_room, city_room, make_member
):
    api_client.force_authenticate(make_member())
    for slug in ["gibt-es-nicht", private_room.slug, city_room.slug, "%00", "x" * 300]:
        assert api_client.get(f"/api/chat/rooms/{slug}/messages/").status_code == 404


# --- the page's actions -----------------------------------------------------------------
def test_an_author_edits_and_deletes_their_own_message(member_api, history):
    url = "/api/chat/rooms/allgemein/messages/3/"
    response = member_api.patch(url, {"body": "_neu_"}, format="json")
    assert response.status_code == 200
    assert response.json()["body_html"] == "<p><em>neu</em></p>"
    assert response.json()["edited_at"]
    assert member_api.delete(url).status_code == 204
    message = Message.objects.get(room=history, seq=3)
    assert message.deleted_at is not None
    assert message.body == ""


def test_others_cannot_change_a_message_but_moderators_remove_it(
    api_client, history, make_member, moderator
):
    url = "/api/chat/rooms/allgemein/messages/3/"
    api_client.force_authenticate(make_member())
    assert api_client.patch(url, {"body": "fremd"}, format="json").status_code == 403
    assert api_client.delete(url).status_code == 403
    api_client.force_authenticate(moderator)
    assert api_client.delete(url).status_code == 204


def test_editing_validates_the_length(member_api, history):
    response = member_api.patch(
        "/api/chat/rooms/allgemein/messages/3/", {"body": "x" * 4001}, format="json"
    )
    assert response.status_code == 400


def test_a_member_mutes_marks_read_and_leaves_a_room(member_api, member, history):
    url = "/api/chat/rooms/allgemein/membership/"
    response = member_api.patch(url, {"muted": True, "last_read_seq": 999}, format="json")
    assert response.json() == {"muted": True, "last_read_seq": 12}
    rooms = member_api.get("/api/chat/rooms/").json()["results"]
    assert rooms[0]["muted"] is True
    assert member_api.delete(url).status_code == 204
    assert member_api.get("/api/chat/rooms/").json()["results"] == []


def test_leaving_a_private_room_closes_it_to_the_member(member_api, private_room):
    url = f"/api/chat/rooms/{private_room.slug}/"
    assert member_api.get(url).status_code == 200
    assert member_api.delete(url + "membership/").status_code == 204
    assert member_api.get(url).status_code == 404


def test_only_moderators_close_a_room(member_api, api_client, network_room, moderator):
    assert member_api.post("/api/chat/rooms/allgemein/close/").status_code == 403
    api_client.force_authenticate(moderator)
    response = api_client.post("/api/chat/rooms/allgemein/close/")
    assert response.status_code == 200
    assert response.json()["is_closed"] is True


def test_a_direct_conversation_is_opened_once_by_handle(member_api, member, make_member):
    other = make_member(display_name="Ben Berger")
    first = member_api.post("/api/chat/direct/", {"members": [other.handle]}, format="json")
    again = member_api.post("/api/chat/direct/", {"members": [other.handle]}, format="json")
    assert first.status_code == again.status_code == 200
    assert first.json()["slug"] == again.json()["slug"]
    assert first.json()["title"] == "Ben Berger"
    assert first.json()["kind"] == RoomKind.DIRECT
    for bad in [{}, {"members": "x"}, {"members": []}, {"members": ["niemand"]}]:
        assert member_api.post("/api/chat/direct/", bad, format="json").status_code == 400


def test_the_schema_documents_the_chat_endpoints(member_api):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/chat/rooms/" in schema["paths"]
    assert "/api/chat/rooms/{slug}/messages/" in schema["paths"]


def test_a_coordinator_of_a_municipality_is_a_member_like_any_other(
    api_client, make_member, city_room, municipality
):
    coordinator = make_member(municipality=municipality, role=Role.COORDINATOR)
    api_client.force_authenticate(coordinator)
    assert api_client.get(f"/api/chat/rooms/{city_room.slug}/messages/").status_code == 200


def test_mentions_of_a_member_are_counted_until_read(member_api, member, network_room, make_member):
    other = make_member()
    for n, body in enumerate(
        [f"Hallo @{member.handle}!", f"@{member.handle} und @{member.handle}", "ohne", "a@b.de"]
    ):
        services.message_post(room=network_room, author=other, body=body, client_id=str(n))
    rooms = {r["slug"]: r for r in member_api.get("/api/chat/rooms/").json()["results"]}
    assert (rooms["allgemein"]["unread"], rooms["allgemein"]["mentions"]) == (4, 2)
    member_api.patch("/api/chat/rooms/allgemein/membership/", {"last_read_seq": 1}, format="json")
    rooms = {r["slug"]: r for r in member_api.get("/api/chat/rooms/").json()["results"]}
    assert rooms["allgemein"]["mentions"] == 1


def test_only_members_of_a_private_room_can_be_mentioned_in_it(private_room, member, make_member):
    from chat.models import Mention

    outsider = make_member()
    services.message_post(
        room=private_room, author=member, body=f"@{outsider.handle} hallo?", client_id="1"
    )
    assert not Mention.objects.exists()


def test_a_mention_rings_the_bell_once_unless_the_room_is_muted(member, network_room, make_member):
    from community.models import Notification

    other = make_member(display_name="Otto Other")
    services.message_post(
        room=network_room, author=other, body=f"@{member.handle} @{member.handle}", client_id="1"
    )
    notification = Notification.objects.get(recipient=member)
    assert notification.kind == "chat.mention"
    assert notification.url == f"/chat/{network_room.slug}/#m1"
    assert "Otto Other" in notification.text
    services.room_membership_update(room=network_room, member=member, muted=True)
    services.message_post(room=network_room, author=other, body=f"@{member.handle}", client_id="2")
    assert Notification.objects.filter(recipient=member).count() == 1
