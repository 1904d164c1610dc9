"""Private conversations stay private, even against members of the network.

The attack: Mallory creates a private room under the name a direct
conversation between Anna and Ben would get; when the two open it, they must
land in their own conversation (found by its kind and its exact people, never
by a name), and Mallory must read nothing of it: not over the API, the page or
the WebSocket. And whoever can read a private room is shown to its members.
"""

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from chat import services
from chat.models import Message, Room, RoomKind, RoomMembership
from tests.chat.conftest import joined, next_of, socket
from tests.queries import assert_constant_queries
from tests.sockets import refused_with

SECRET = "Unter uns: das Gehaltsband der Stelle"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def squat_names(anna, ben) -> list[dict]:
    """Rooms Mallory might create to be found as Anna's and Ben's conversation."""
    ids = "-".join(str(pk) for pk in sorted([anna.pk, ben.pk]))
    return [
        {"name": "Anna und Ben", "slug": f"direkt-{ids}"},
        {"name": f"direkt {ids}"},  # the slug made from the name
        {"name": "Anna und Ben", "slug": f"Direkt-{ids}"},
        {"name": "direkt"},
    ]


@pytest.fixture
def people(make_member):
    anna = make_member(display_name="Anna Schmidt")
    ben = make_member(display_name="Ben Berger")
    mallory = make_member(display_name="Mallory Mitlesen")
    return anna, ben, mallory


def squat(mallory, anna, ben) -> list[str]:
    """Mallory tries every squatting room over the API; the slugs she got."""
    slugs = []
    for payload in squat_names(anna, ben):
        response = api(mallory).post("/api/chat/rooms/", payload, format="json")
        assert response.status_code in (201, 400), response.content
        if response.status_code == 201:
            slugs.append(response.json()["slug"])
        else:
            assert "slug" in response.json() or "name" in response.json()
    return slugs


def mallory_reads_nothing(mallory, room_slug: str) -> None:
    assert api(mallory).get(f"/api/chat/rooms/{room_slug}/messages/").status_code == 404
    assert browser(mallory).get(reverse("chat:room", args=[room_slug])).status_code == 404
    readable = RoomMembership.objects.filter(member=mallory, left_at__isnull=True).values("room")
    assert not Message.objects.filter(room__in=readable, body__contains=SECRET).exists()
    listed = api(mallory).get("/api/chat/rooms/").json()["results"]
    assert room_slug not in {r["slug"] for r in listed}


@pytest.mark.django_db
def test_a_room_squatting_the_name_of_a_direct_conversation_does_not_capture_it_over_the_api(
    people,
):
    anna, ben, mallory = people
    squat(mallory, anna, ben)
    opened = api(anna).post("/api/chat/direct/", {"members": [ben.handle]}, format="json")
    again = api(ben).post("/api/chat/direct/", {"members": [anna.handle]}, format="json")
    assert opened.status_code == again.status_code == 200
    room = Room.objects.get(slug=opened.json()["slug"])
    assert again.json()["slug"] == room.slug
    assert room.kind == RoomKind.DIRECT and opened.json()["kind"] == "direct"
    assert set(room.memberships.values_list("member_id", flat=True)) == {anna.pk, ben.pk}
    services.message_post(room=room, author=anna, body=SECRET, client_id="a1")
    mallory_reads_nothing(mallory, room.slug)


@pytest.mark.django_db
def test_a_room_squatting_the_name_of_a_direct_conversation_does_not_capture_it_on_the_page(
    people,
):
    anna, ben, mallory = people
    squat(mallory, anna, ben)
    response = browser(anna).post(reverse("chat:direct", args=[ben.handle]))
    assert response.status_code == 302
    slug = response.url.rstrip("/").rsplit("/", 1)[-1]
    page = browser(anna).get(response.url)
    assert page.status_code == 200
    assert browser(ben).post(reverse("chat:direct", args=[anna.handle])).url == response.url
    sent = browser(anna).post(
        reverse("chat:send", args=[slug]), {"body": SECRET, "client_id": "seite-1"}
    )
    assert sent.status_code == 302
    assert Message.objects.filter(room__slug=slug, body=SECRET).count() == 1
    assert Room.objects.get(slug=slug).kind == RoomKind.DIRECT
    mallory_reads_nothing(mallory, slug)


@pytest.mark.django_db(transaction=True)
async def test_a_room_squatting_the_name_of_a_direct_conversation_hears_nothing_over_the_socket(
    people,
):
    anna, ben, mallory = people
    squats = await database_sync_to_async(squat)(mallory, anna, ben)
    tokens = [await database_sync_to_async(services_token)(user) for user in (anna, ben, mallory)]
    anna_token, ben_token, mallory_token = tokens
    mallory_sockets = []
    for slug in squats:
        ws, _ready = await joined(mallory_token, slug)
        mallory_sockets.append(ws)
    room = await database_sync_to_async(services.direct_room_open)(member=anna, others=[ben])
    await database_sync_to_async(services.direct_room_open)(member=ben, others=[anna])
    assert await refused_with(socket(mallory_token, room.slug)) == 4403
    anna_ws, _ = await joined(anna_token, room.slug)
    ben_ws, _ = await joined(ben_token, room.slug)
    await anna_ws.send_json_to({"type": "message", "body": SECRET, "client_id": "ws-1"})
    heard = await next_of(ben_ws, "message")
    assert heard["message"]["body"] == SECRET
    for ws in mallory_sockets:
        assert "message" not in await frames_until_quiet(ws)
        await ws.disconnect()
    await anna_ws.disconnect()
    await ben_ws.disconnect()
    await database_sync_to_async(mallory_reads_nothing)(mallory, room.slug)


async def frames_until_quiet(ws, quiet: float = 0.5) -> list[str]:
    """The types of the frames a socket receives until it falls silent."""
    types = []
    while not await ws.receive_nothing(timeout=quiet):
        types.append((await ws.receive_json_from())["type"])
    return types


def services_token(user) -> str:
    from community import services as community_services

    return community_services.member_token(member=user)


# --- reserved names ------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "slug", ["direkt-1-2", "Direkt-7-9", "direkt", "DIREKT-abc", "kommune-wetzlar"]
)
def test_a_member_cannot_create_a_room_under_a_reserved_slug(people, slug):
    _anna, _ben, mallory = people
    with pytest.raises(ValidationError) as refused:
        services.room_create(created_by=mallory, name="Tarnung", slug=slug)
    assert "slug" in refused.value.message_dict
    response = api(mallory).post(
        "/api/chat/rooms/", {"name": "Tarnung", "slug": slug}, format="json"
    )
    assert response.status_code == 400 and "slug" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["direkt 1 2", "Direkt", "Kommune Wetzlar"])
def test_a_room_named_like_a_reserved_slug_gets_an_unreserved_one(people, name):
    _anna, _ben, mallory = people
    room = services.room_create(created_by=mallory, name=name)
    assert not room.slug.lower().startswith(("direkt", "kommune-"))
    project = services.room_ensure_for_object(kind=RoomKind.PROJECT, object_id=99, name=name)
    assert not project.slug.lower().startswith(("direkt", "kommune-"))


@pytest.mark.django_db
def test_the_database_refuses_a_reserved_slug_for_any_other_kind_of_room(people):
    for slug, kind in [("direkt-1-2", RoomKind.PRIVATE), ("kommune-x", RoomKind.NETWORK)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Room.objects.create(slug=slug, name="x", kind=kind, is_private=kind == RoomKind.PRIVATE)


@pytest.mark.django_db
def test_the_database_holds_one_direct_conversation_per_set_of_people(people):
    anna, ben, _mallory = people
    room = services.direct_room_open(member=anna, others=[ben])
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(
            slug="zweites-gespraech",
            name="x",
            kind=RoomKind.DIRECT,
            is_private=True,
            direct_key=room.direct_key,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(slug="ohne-personen", name="x", kind=RoomKind.DIRECT, is_private=True)


# --- exactly these people ---------------------------------------------------------------
@pytest.mark.django_db
def test_a_direct_conversation_holds_exactly_its_people(people, make_member):
    anna, ben, mallory = people
    pair = services.direct_room_open(member=anna, others=[ben])
    trio = services.direct_room_open(member=anna, others=[ben, mallory])
    assert pair.pk != trio.pk
    assert services.direct_room_open(member=mallory, others=[ben, anna]).pk == trio.pk
    with pytest.raises(ValidationError):
        services.room_add_members(room=pair, members=[mallory])
    assert not RoomMembership.objects.filter(room=pair, member=mallory).exists()
    services.room_leave(room=pair, member=ben)
    assert services.direct_room_open(member=ben, others=[anna]).pk == pair.pk
    assert api(mallory).get(f"/api/chat/rooms/{pair.slug}/").status_code == 404


@pytest.mark.django_db
def test_the_direct_endpoint_refuses_bad_input_with_a_reason(people, make_member):
    anna, ben, _mallory = people
    client = api(anna)
    crowd = [make_member().handle for _ in range(21)]
    for body in [
        {},
        [],
        {"members": "ben"},
        {"members": {"a": 1}},
        {"members": []},
        {"members": [anna.handle]},
        {"members": ["niemand-hier"]},
        {"members": [ben.handle, "niemand-hier"]},
        {"members": [None]},
        {"members": [17]},
        {"members": crowd},
        {"members": ["x" * 500]},
    ]:
        response = client.post("/api/chat/direct/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json(), body
    assert not Room.objects.filter(kind=RoomKind.DIRECT).exists()
    twice = client.post("/api/chat/direct/", {"members": [ben.handle, ben.handle]}, format="json")
    assert twice.status_code == 200
    with_self = client.post(
        "/api/chat/direct/", {"members": [anna.handle, ben.handle]}, format="json"
    )
    assert with_self.json()["slug"] == twice.json()["slug"]


@pytest.mark.django_db
def test_a_direct_conversation_of_an_erased_member_is_not_reused_by_a_newcomer(people):
    from privacy.services import member_erase

    anna, ben, _mallory = people
    room = services.direct_room_open(member=anna, others=[ben])
    member_erase(member=ben)
    assert not RoomMembership.objects.filter(room=room, member=ben, left_at__isnull=True).exists()
    response = api(anna).post("/api/chat/direct/", {"members": [ben.handle]}, format="json")
    assert response.status_code == 400


# --- who can read -------------------------------------------------------------------------
@pytest.fixture
def group_room(people):
    anna, ben, mallory = people
    return services.room_create(created_by=anna, name="Kleine Runde", members=[ben, mallory])


@pytest.mark.django_db
def test_every_member_of_a_private_room_sees_everyone_who_can_read_it(people, group_room):
    anna, ben, mallory = people
    for viewer in (anna, ben, mallory):
        response = api(viewer).get(f"/api/chat/rooms/{group_room.slug}/members/")
        assert response.status_code == 200
        names = {m["display_name"] for m in response.json()["results"]}
        assert names == {"Anna Schmidt", "Ben Berger", "Mallory Mitlesen"}
        page = browser(viewer).get(reverse("chat:room", args=[group_room.slug]))
        html = page.content.decode()
        assert "Wer kann mitlesen" in html
        assert all(name in html for name in names)
        # Before the composer: seen before writing.
        assert html.index("Mallory Mitlesen", html.index("Wer kann mitlesen")) < html.index(
            'id="chat-composer"'
        )


@pytest.mark.django_db
def test_someone_added_later_shows_up_in_the_member_list(people, group_room, make_member):
    _anna, ben, _mallory = people
    eve = make_member(display_name="Eve Eingeladen")
    services.room_add_members(room=group_room, members=[eve])
    response = api(ben).get(f"/api/chat/rooms/{group_room.slug}/members/")
    assert "Eve Eingeladen" in {m["display_name"] for m in response.json()["results"]}
    assert (
        "Eve Eingeladen"
        in browser(ben).get(reverse("chat:room", args=[group_room.slug])).content.decode()
    )
    services.room_leave(room=group_room, member=eve)
    response = api(ben).get(f"/api/chat/rooms/{group_room.slug}/members/")
    assert "Eve Eingeladen" not in {m["display_name"] for m in response.json()["results"]}


@pytest.mark.django_db
def test_an_outsider_sees_no_member_list_of_a_private_room(people, group_room, make_member):
    outsider = make_member()
    assert api(outsider).get(f"/api/chat/rooms/{group_room.slug}/members/").status_code == 404
    assert APIClient().get(f"/api/chat/rooms/{group_room.slug}/members/").status_code in (401, 403)


@pytest.mark.django_db
def test_an_open_room_says_who_can_read_it(municipality, make_member):
    local = make_member(municipality=municipality)
    city = services.room_ensure_for_municipality(municipality=municipality)
    html = browser(local).get(reverse("chat:room", args=[city.slug])).content.decode()
    assert "Wer kann mitlesen" in html and municipality.name in html
    response = api(local).get(f"/api/chat/rooms/{city.slug}/members/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_member_list_takes_the_same_number_of_queries_for_more_members(
    people, group_room, make_member, django_assert_num_queries
):
    anna, _ben, _mallory = people

    def grow():
        services.room_add_members(room=group_room, members=[make_member() for _ in range(5)])

    assert_constant_queries(
        api(anna),
        f"/api/chat/rooms/{group_room.slug}/members/",
        grow,
        django_assert_num_queries,
        status=200,
    )


@pytest.mark.django_db
def test_the_room_page_takes_the_same_number_of_queries_for_more_members(
    people, group_room, make_member, django_assert_num_queries
):
    anna, _ben, _mallory = people

    def grow():
        services.room_add_members(room=group_room, members=[make_member() for _ in range(5)])

    assert_constant_queries(
        browser(anna),
        reverse("chat:room", args=[group_room.slug]),
        grow,
        django_assert_num_queries,
        status=200,
    )


# --- the data migration -------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_migration_keys_old_direct_rooms_and_moves_squatters_off_reserved_slugs(people):
    """Before: direct rooms were found by slug, and a squatter could hold one."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    anna, ben, mallory = people
    before, after = [("chat", "0005_message_version")], [("chat", "0007_room_reserved_slugs")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldRoom, OldMembership = old.get_model("chat", "Room"), old.get_model("chat", "RoomMembership")
    OldMessage = old.get_model("chat", "Message")
    pair = f"{min(anna.pk, ben.pk)}-{max(anna.pk, ben.pk)}"
    direct = OldRoom.objects.create(
        slug=f"direkt-{pair}", name="A, B", kind="direct", is_private=True, last_seq=1
    )
    squatter = OldRoom.objects.create(
        slug=f"direkt-{anna.pk}-{mallory.pk}", name="Falle", kind="private", is_private=True
    )
    city_like = OldRoom.objects.create(
        slug="kommune-falle", name="Falle", kind="private", is_private=True
    )
    OldMembership.objects.bulk_create(
        [
            OldMembership(room=direct, member_id=anna.pk),
            OldMembership(room=direct, member_id=ben.pk, left_at="2026-01-01T00:00Z"),
            OldMembership(room=squatter, member_id=mallory.pk),
            OldMembership(room=city_like, member_id=mallory.pk),
        ]
    )
    OldMessage.objects.create(room=direct, seq=1, author_id=anna.pk, client_id="c", body="alt")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    direct = Room.objects.get(pk=direct.pk)
    assert direct.direct_key == pair and direct.slug == f"direkt-{pair}"
    assert direct.messages.get().body == "alt"
    assert Room.objects.get(pk=squatter.pk).kind == RoomKind.PRIVATE
    assert not Room.objects.get(pk=squatter.pk).slug.startswith("direkt")
    assert not Room.objects.get(pk=city_like.pk).slug.startswith("kommune-")
    assert services.direct_room_open(member=ben, others=[anna]).pk == direct.pk
    assert services.direct_room_open(member=anna, others=[mallory]).kind == RoomKind.DIRECT


# --- handles ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_handle_of_an_erased_member_is_never_handed_out_again(people, make_member):
    """Old @-links and scripts that name the handle must not reach a newcomer."""
    from privacy.services import member_erase

    anna, ben, _mallory = people
    old = anna.handle
    member_erase(member=anna)
    newcomer = make_member(display_name="Anna Schmidt")
    assert newcomer.handle != old
    assert api(ben).post("/api/chat/direct/", {"members": [old]}, format="json").status_code == 400
    assert browser(ben).get(reverse("member_detail", args=[old])).status_code == 404
    # Only a keyed digest is kept, not the handle (it is made of the name).
    from community.models import ErasedHandle as RetiredHandle

    assert not RetiredHandle.objects.filter(digest__icontains=old).exists()
    assert RetiredHandle.objects.count() == 1
    member_erase(member=anna)  # again: nothing more
    assert RetiredHandle.objects.count() == 1
