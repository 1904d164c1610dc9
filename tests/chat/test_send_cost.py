"""What sending a message costs in round trips: constant, whatever the room's history."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import ratelimit, services
from chat.models import Message, RoomMembership


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
def test_the_rate_limit_is_one_script_on_a_redis_hash_shared_by_all_processes(
    needs_redis, settings
):
    settings.CHAT_RATE_BURST = 2
    cache = caches["default"]
    client = cache._cache.get_client(write=True)
    key = cache.make_and_validate_key("chat:bucket:4711")
    client.delete(key)
    assert [ratelimit.take_token(4711) for _ in range(3)] == [True, True, False]
    assert client.type(key) == b"hash"
    assert client.ttl(key) > 0


@pytest.mark.django_db
def test_the_rate_limit_registers_its_script_once_per_process(needs_redis):
    """Django's cache hands out a new client per call; the script must not pile
    up one registration per message (it did: a leak of a client per message)."""
    for member_id in range(50):
        ratelimit.take_token(90_000 + member_id)
    assert len(ratelimit._scripts) == 1


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
