"""The chat pages, rendered on the server: usable without JavaScript, too."""

import pytest
from django.urls import reverse

from chat import services
from chat.models import Message, Room, RoomKind, RoomMembership

pytestmark = pytest.mark.django_db


def post(room, author, count, prefix="Hallo"):
    for n in range(count):
        services.message_post(
            room=room,
            author=author,
            body=f"{prefix} {n}",
            client_id=f"{prefix}{n}",
            rate_limited=False,
        )


def test_the_chat_index_lists_the_rooms_with_unread_counts(
    member_client, network_room, city_room, make_member
):
    post(network_room, make_member(), 3)
    response = member_client.get(reverse("chat:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Allgemein" in html
    assert "3 ungelesen" in html
    assert city_room.name in html


def test_the_index_takes_the_same_number_of_queries_for_more_rooms(
    member_client, member, make_member, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            services.direct_room_open(member=member, others=[make_member()])

    add(1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        assert member_client.get(reverse("chat:index")).status_code == 200
    add(5)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert member_client.get(reverse("chat:index")).status_code == 200


def test_a_room_page_shows_the_latest_messages_and_marks_them_read(
    member_client, member, network_room, make_member
):
    post(network_room, make_member(display_name="Ben Berger"), 60)
    response = member_client.get(reverse("chat:room", args=["allgemein"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hallo 59" in html and "Hallo 10" in html
    assert "Hallo 9<" not in html  # older ones load upward
    assert 'data-has-more="1"' in html
    assert 'data-last-seq="60"' in html
    assert 'id="chat-strings"' in html
    assert "<script>" not in html.replace('<script src="', "")  # no inline script
    membership = RoomMembership.objects.get(room=network_room, member=member)
    assert membership.last_read_seq == 60


def test_the_room_page_takes_the_same_number_of_queries_for_more_messages(
    member_client, network_room, make_member, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post(network_room, make_member(), 2)
    url = reverse("chat:room", args=["allgemein"])
    with CaptureQueriesContext(connection) as first:
        assert member_client.get(url).status_code == 200
    for n in range(5):
        post(network_room, make_member(), 5, prefix=f"p{n}-")
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert member_client.get(url).status_code == 200


def test_a_private_room_of_others_is_a_404(member_client, make_member):
    room = services.room_create(created_by=make_member(), name="Fremd")
    assert member_client.get(reverse("chat:room", args=[room.slug])).status_code == 404
    assert member_client.get(reverse("chat:room", args=["gibts-nicht"])).status_code == 404


def test_the_form_posts_a_message_once_even_when_sent_twice(member_client, network_room):
    url = reverse("chat:send", args=["allgemein"])
    for _ in range(2):
        response = member_client.post(url, {"body": "Ohne JavaScript", "client_id": "form-1"})
        assert response.status_code == 302
    assert Message.objects.filter(room=network_room).count() == 1


def test_the_form_shows_why_a_message_was_refused(member_client, network_room):
    url = reverse("chat:send", args=["allgemein"])
    response = member_client.post(url, {"body": "x" * 4001, "client_id": "f"}, follow=True)
    assert "länger als 4000 Zeichen" in response.content.decode()
    assert not Message.objects.exists()


def test_contact_opens_a_direct_conversation_and_reuses_it(member_client, member, make_member):
    other = make_member(display_name="Ben Berger")
    url = reverse("chat:direct", args=[other.handle])
    first = member_client.post(url)
    second = member_client.post(url)
    assert first.status_code == 302
    assert first["Location"] == second["Location"]
    room = Room.objects.get(kind=RoomKind.DIRECT)
    assert first["Location"] == reverse("chat:room", args=[room.slug])
    page = member_client.get(first["Location"]).content.decode()
    assert "Ben Berger" in page
    assert member_client.get(url).status_code == 405
    assert member_client.post(reverse("chat:direct", args=["niemand"])).status_code == 404


def test_leave_mute_and_delete_from_the_page(member_client, member, network_room):
    post(network_room, member, 1)
    room_url = reverse("chat:room", args=["allgemein"])
    member_client.post(reverse("chat:mute", args=["allgemein"]), {"muted": "1"})
    assert RoomMembership.objects.get(room=network_room, member=member).muted
    member_client.post(reverse("chat:delete", args=["allgemein", 1]))
    assert Message.objects.get(seq=1).deleted_at is not None
    assert "Nachricht gelöscht" in member_client.get(room_url).content.decode()
    member_client.post(reverse("chat:leave", args=["allgemein"]))
    index = member_client.get(reverse("chat:index")).content.decode()
    assert reverse("chat:room", args=["allgemein"]) not in index


def test_only_moderators_close_a_room_from_the_page(client, member_client, network_room, moderator):
    assert member_client.post(reverse("chat:close", args=["allgemein"])).status_code == 404
    client.force_login(moderator)
    client.post(reverse("chat:close", args=["allgemein"]))
    network_room.refresh_from_db()
    assert network_room.is_closed
