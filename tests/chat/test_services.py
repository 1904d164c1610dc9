"""The chat's delivery guarantees at the service layer: seq without gaps, idempotency."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from chat import services
from chat.models import Message, Room, RoomKind, RoomMembership

pytestmark = pytest.mark.django_db
# Only the tests with threads need real transactions (and their slower teardown).
threads = pytest.mark.django_db(transaction=True)


def _in_threads(count: int, work) -> list[BaseException]:
    """Run ``work(n)`` in ``count`` threads at once, each with its own connection."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(n):
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def _post_concurrently(room, authors, per_thread):
    def work(n):
        for i in range(per_thread):
            services.message_post(
                room=room,
                author=authors[n % len(authors)],
                body=f"Thread {n}, Nachricht {i}",
                client_id=f"t{n}-{i}",
                rate_limited=False,
            )

    return _in_threads(len(authors), work)


def _assert_seq_without_gaps(room, expected):
    seqs = list(Message.objects.filter(room=room).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, expected + 1))
    room.refresh_from_db()
    assert room.last_seq == expected


@pytest.fixture
def writers(make_member):
    return [make_member() for _ in range(6)]


@threads
def test_seq_counts_up_without_gaps_when_many_post_at_once(network_room, writers):
    errors = _post_concurrently(network_room, writers, per_thread=15)
    assert errors == []
    _assert_seq_without_gaps(network_room, 6 * 15)


@threads
def test_seq_has_no_gaps_under_concurrency_on_postgresql(needs_postgres, network_room, writers):
    assert connection.vendor == "postgresql"
    errors = _post_concurrently(network_room, writers, per_thread=40)
    assert errors == []
    _assert_seq_without_gaps(network_room, 6 * 40)


@threads
def test_the_same_client_id_sent_at_once_from_many_threads_stores_one_message(network_room, member):
    results = []

    def work(n):
        results.append(
            services.message_post(
                room=network_room,
                author=member,
                body="Doppelt?",
                client_id="einmal",
                rate_limited=False,
            )
        )

    assert _in_threads(6, work) == []
    assert Message.objects.filter(room=network_room).count() == 1
    assert len({message.pk for message, _created in results}) == 1
    assert sum(created for _message, created in results) == 1


def test_the_same_client_id_in_another_room_or_from_another_author_is_a_new_message(
    network_room, city_room, member, make_member
):
    services.message_post(room=network_room, author=member, body="a", client_id="x")
    services.message_post(room=city_room, author=member, body="b", client_id="x")
    services.message_post(room=network_room, author=make_member(), body="c", client_id="x")
    assert Message.objects.count() == 3


def test_a_message_is_rendered_and_sanitised(network_room, member):
    message, created = services.message_post(
        room=network_room,
        author=member,
        body="[Link](javascript:alert(1)) und <img src=x onerror=alert(1)> _kursiv_",
        client_id="1",
    )
    assert created
    assert "javascript:" not in message.body_html
    assert "onerror" not in message.body_html
    assert "<em>kursiv</em>" in message.body_html


@pytest.mark.parametrize(
    ("body", "client_id", "code"),
    [
        ("x" * 4001, "1", "too_long"),
        ("", "1", "invalid"),
        ("\n  \t", "1", "invalid"),
        (None, "1", "invalid"),
        ("ok", "", "invalid"),
        ("ok", None, "invalid"),
        ("ok", "x" * 65, "invalid"),
    ],
)
def test_invalid_messages_are_refused_with_a_code_and_nothing_is_stored(
    network_room, member, body, client_id, code
):
    with pytest.raises(ValidationError) as caught:
        services.message_post(room=network_room, author=member, body=body, client_id=client_id)
    assert caught.value.code == code
    assert not Message.objects.exists()
    network_room.refresh_from_db()
    assert network_room.last_seq == 0


def test_exactly_4000_characters_are_allowed(network_room, member):
    message, _ = services.message_post(
        room=network_room, author=member, body="ä" * 4000, client_id="1"
    )
    assert len(message.body) == 4000


def test_posting_marks_the_room_read_for_the_author(network_room, member, make_member):
    services.message_post(room=network_room, author=make_member(), body="a", client_id="1")
    services.message_post(room=network_room, author=member, body="b", client_id="2")
    assert RoomMembership.objects.get(room=network_room, member=member).last_read_seq == 2


def test_a_non_member_cannot_post_into_a_private_room(private_room, make_member):
    with pytest.raises(ValidationError) as caught:
        services.message_post(room=private_room, author=make_member(), body="x", client_id="1")
    assert caught.value.code == "forbidden"


def test_a_deleted_message_keeps_its_seq_and_loses_its_text(network_room, member):
    message, _ = services.message_post(room=network_room, author=member, body="x", client_id="1")
    services.message_delete(message=message)
    message.refresh_from_db()
    assert (message.seq, message.body, message.body_html) == (1, "", "")
    assert message.deleted_at is not None


def test_the_rate_limit_allows_a_burst_of_ten_then_refuses(network_room, member):
    for n in range(10):
        services.message_post(room=network_room, author=member, body="x", client_id=str(n))
    with pytest.raises(ValidationError) as caught:
        services.message_post(room=network_room, author=member, body="x", client_id="11")
    assert caught.value.code == "rate_limited"
    # A resend of a stored message is answered all the same.
    message, created = services.message_post(
        room=network_room, author=member, body="x", client_id="3"
    )
    assert (message.seq, created) == (4, False)


def test_project_and_event_rooms_are_created_once_and_synced_by_the_other_apps(member, make_member):
    guest = make_member()
    room = services.room_ensure_for_object(
        kind=RoomKind.PROJECT, object_id=7, name="Digitale Bauakte", members=[member]
    )
    again = services.room_ensure_for_object(
        kind=RoomKind.PROJECT, object_id=7, name="Bauakte digital", members=[guest]
    )
    assert again.pk == room.pk
    assert again.name == "Bauakte digital"
    assert again.is_private
    services.room_remove_members(room=room, members=[member])
    active = RoomMembership.objects.filter(room=room, left_at__isnull=True)
    assert list(active.values_list("member", flat=True)) == [guest.pk]
    event_room = services.room_ensure_for_object(kind=RoomKind.EVENT, object_id=7, name="Treffen")
    assert event_room.pk != room.pk


def test_a_direct_conversation_is_reused(member, make_member):
    other = make_member()
    room = services.direct_room_open(member=member, others=[other])
    assert services.direct_room_open(member=other, others=[member]).pk == room.pk
    assert room.kind == RoomKind.DIRECT
    assert Room.objects.filter(kind=RoomKind.DIRECT).count() == 1


def test_the_database_refuses_a_repeated_seq(network_room, member):
    from django.db import IntegrityError

    Message.objects.create(room=network_room, seq=1, author=member, client_id="a", body="a")
    with pytest.raises(IntegrityError):
        Message.objects.create(room=network_room, seq=1, author=member, client_id="b", body="b")


def test_the_demo_chat_is_seeded_once_however_often_it_runs(member, make_member):
    from chat.demo import seed_chat

    people = {m.email: m for m in [member, make_member(), make_member()]}
    first = seed_chat(people)
    second = seed_chat(people)
    assert first == second
    assert Room.objects.filter(kind=RoomKind.MUNICIPALITY).count() == first["rooms"] - 1
    assert Message.objects.filter(room__slug="allgemein").count() == 4
