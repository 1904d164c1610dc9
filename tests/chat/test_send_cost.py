"""What sending a message costs in round trips: constant, whatever the room's history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import ratelimit, services
from chat.models import Message, RateBucket, RoomMembership


def _post(room, author, n, rate_limited=True):
    return services.message_post(
        room=room, author=author, body=f"Nummer {n}", client_id=f"c{n}", rate_limited=rate_limited
    )


@pytest.mark.django_db(transaction=True)
def test_sending_a_message_is_a_single_statement_on_postgresql(
    needs_postgres, network_room, member
):
    """Seq, insert, read marker and the room's lock in one statement, committed by itself."""
    _post(network_room, member, 0)  # the first message of a member creates the read marker
    with CaptureQueriesContext(connection) as queries:
        message, created = _post(network_room, member, 1)
    assert created and message.seq == 2
    assert len(queries) == 1, [q["sql"] for q in queries]
    membership = RoomMembership.objects.get(room=network_room, member=member)
    assert membership.last_read_seq == 2


@pytest.mark.django_db
def test_the_cost_of_sending_does_not_grow_with_the_room_history(
    network_room, member, make_member, django_assert_num_queries
):
    _post(network_room, member, 0)
    with CaptureQueriesContext(connection) as first:
        _post(network_room, member, 1)
    other = make_member()
    for n in range(2, 40):
        _post(network_room, other if n % 2 else member, n, rate_limited=False)
    with django_assert_num_queries(len(first)):
        message, _created = _post(network_room, member, 40)
    assert message.seq == Message.objects.filter(room=network_room).count()


@pytest.mark.django_db
def test_the_rate_limit_is_one_row_per_member_taken_in_one_statement(settings, member, make_member):
    settings.CHAT_RATE_BURST = 2
    with CaptureQueriesContext(connection) as queries:
        taken = [ratelimit.take_token(member.pk) for _ in range(3)]
    assert taken == [True, True, False]
    assert len(queries) == 3
    bucket = RateBucket.objects.get(member=member)
    assert bucket.tokens < 1
    # Another member's bucket is their own.
    assert ratelimit.take_token(make_member().pk)


@pytest.mark.django_db
def test_the_rate_limit_refills_one_token_a_second_up_to_the_burst(settings, member, monkeypatch):
    settings.CHAT_RATE_BURST = 3
    clock = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    assert [ratelimit.take_token(member.pk) for _ in range(4)] == [True, True, True, False]
    clock[0] += 1.5
    assert [ratelimit.take_token(member.pk) for _ in range(2)] == [True, False]
    clock[0] += 3600  # a long pause fills the bucket, never beyond the burst
    assert [ratelimit.take_token(member.pk) for _ in range(4)] == [True, True, True, False]


@pytest.mark.django_db
def test_a_clock_running_behind_gains_no_tokens(settings, member, monkeypatch):
    """Processes on other servers: one clock behind another neither adds nor
    takes away time, and the bucket's own time does not go backwards."""
    settings.CHAT_RATE_BURST = 1
    clock = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    assert ratelimit.take_token(member.pk)
    clock[0] -= 30  # a process whose clock is half a minute behind
    assert not ratelimit.take_token(member.pk)
    clock[0] += 30.5  # the first clock again, half a second on: not yet a whole token
    assert not ratelimit.take_token(member.pk)
    clock[0] += 0.5
    assert ratelimit.take_token(member.pk)
    assert RateBucket.objects.get(member=member).stamp == 1_000_001.0


@pytest.mark.django_db
def test_messages_and_memberships_keep_no_room_index_their_constraints_already_give():
    """Every lookup by room uses a unique constraint that leads with it; a
    separate index on room alone was one more write per message."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("chat_message", "chat_roommembership"):
            found = connection.introspection.get_constraints(cursor, table).values()
            indexed = [c["columns"] for c in found if c["index"] or c["unique"]]
            assert ["room_id"] not in indexed, table
            assert any(columns[0] == "room_id" and len(columns) > 1 for columns in indexed), table
