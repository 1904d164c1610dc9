"""Posting from the event loop: one statement on the loop's own connection, no thread.

``services.message_post_async`` is what the socket calls. On PostgreSQL a
plain message never leaves the event loop; mentions, SQLite, resends,
refusals and a lost connection go through ``message_post`` on a posting
thread. Either way the caller gets the message, whether it is new, and the
broadcasts to send.
"""

import asyncio
import contextlib
import time

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from chat import aio, services
from chat.models import Message, RateBucket, Room
from core import realtime

pytestmark = pytest.mark.django_db(transaction=True)


def _post(room, author, body="Moin", client_id="c1"):
    return asyncio.run(
        services.message_post_async(room=room, author=author, body=body, client_id=client_id)
    )


@pytest.fixture
def no_thread(monkeypatch):
    """Fail if the posting thread is used."""

    async def refused(*args):
        raise AssertionError("posted through the thread")

    monkeypatch.setattr(services, "_post_thread", refused)


def _loop_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [aio.APPLICATION_NAME],
        )
        return cursor.fetchone()[0]


def test_a_plain_message_is_stored_and_announced_without_a_thread_on_postgresql(
    needs_postgres, no_thread, network_room, member
):
    message, created, outbox = _post(network_room, member)
    assert created and message.seq == 1
    stored = Message.objects.get(room=network_room, seq=1)
    assert (stored.body, stored.author_id, stored.client_id) == ("Moin", member.pk, "c1")
    assert stored.body_html == message.body_html == "<p>Moin</p>"
    [(group, event)] = outbox
    assert group == realtime.chat_room_group(network_room.pk)
    assert event["type"] == realtime.CHAT_MESSAGE
    assert (event["message"]["id"], event["message"]["seq"]) == (stored.pk, 1)


def test_a_message_with_a_mention_goes_through_the_thread_and_notifies(
    network_room, member, make_member
):
    other = make_member(display_name="Olaf Ost")
    message, created, _outbox = _post(network_room, member, body=f"Hallo @{other.handle}")
    assert created
    assert message.mentions.filter(member=other).exists()
    assert other.notifications.count() == 1


def test_a_resend_answers_with_the_stored_message_and_stores_nothing(network_room, member):
    first, created, _ = _post(network_room, member)
    again, created_again, outbox = _post(network_room, member, body="anders")
    assert created and not created_again
    assert again.pk == first.pk and again.body == "Moin"
    assert outbox == []
    assert Message.objects.filter(room=network_room).count() == 1


def test_a_closed_room_refuses_the_message_from_the_loop_too(network_room, member):
    services.room_close(room=network_room)
    with pytest.raises(services.ValidationError) as refused:
        _post(network_room, member)
    assert refused.value.code == "closed"
    assert not Message.objects.filter(room=network_room).exists()


def test_a_message_whose_reply_was_lost_is_stored_once_and_still_announced(
    needs_postgres, network_room, member, monkeypatch
):
    """The statement committed, then the connection broke before the answer came
    back: the thread posts again, finds it stored, and rings the doorbell, as the
    room would otherwise hear of it only at its next sync."""
    real = aio.LoopConnections.postgresql

    @contextlib.asynccontextmanager
    async def breaks_after_commit(self):
        async with real(self) as conn:

            class Broken:
                async def execute(self, sql, params, **options):
                    await conn.execute(sql, params, **options)
                    raise psycopg.OperationalError("server closed the connection unexpectedly")

            yield Broken()

    monkeypatch.setattr(aio.LoopConnections, "postgresql", breaks_after_commit)
    message, created, outbox = _post(network_room, member)
    assert not created
    assert Message.objects.filter(room=network_room).count() == 1
    [(group, event)] = outbox
    assert group == realtime.chat_room_group(network_room.pk)
    assert event["message"]["id"] == message.pk


def test_the_loop_closes_its_connections_when_it_ends(needs_postgres, network_room, member):
    for n in range(5):
        _post(network_room, member, client_id=f"c{n}")  # each asyncio.run is a loop of its own
    deadline = time.monotonic() + 5  # PostgreSQL ends a closed session a moment later
    while _loop_sessions() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _loop_sessions() == 0


def test_a_loop_holds_at_most_its_few_connections(needs_postgres, network_room, make_member):
    authors = [make_member() for _ in range(3 * aio.LOOP_CONNECTIONS)]

    async def many():
        posts = [
            services.message_post_async(room=network_room, author=a, body="x", client_id="c")
            for a in authors
        ]
        results = await asyncio.gather(*posts)
        return results, _idle_connections(await aio.loop_connections())

    def _idle_connections(resources):
        return len(resources.idle)

    results, idle = asyncio.run(many())
    assert sorted(message.seq for message, _created, _outbox in results) == list(
        range(1, len(authors) + 1)
    )
    assert idle <= aio.LOOP_CONNECTIONS


def test_the_loop_takes_the_rate_limit_token_in_the_posting_statement(
    needs_postgres, no_thread, settings, network_room, member
):
    settings.CHAT_RATE_BURST = 2

    async def two():
        return [
            await services.message_post_async(
                room=network_room, author=member, body="Moin", client_id=f"c{n}"
            )
            for n in range(2)
        ]

    assert [message.seq for message, _created, _outbox in asyncio.run(two())] == [1, 2]
    assert RateBucket.objects.get(member=member).tokens < 1


def test_an_empty_bucket_refuses_a_new_message_but_answers_a_resend(
    needs_postgres, settings, network_room, member
):
    settings.CHAT_RATE_BURST = 1
    first, created, _outbox = _post(network_room, member, client_id="c1")
    assert created
    with pytest.raises(ValidationError) as refused:
        _post(network_room, member, client_id="c2")
    assert refused.value.code == "rate_limited"
    again, created, outbox = _post(network_room, member, client_id="c1")
    assert (again.pk, created, outbox) == (first.pk, False, [])
    assert Message.objects.filter(room=network_room).count() == 1
    assert Room.objects.get(pk=network_room.pk).last_seq == 1  # no seq spent


def test_a_resend_spends_no_token(needs_postgres, settings, network_room, member):
    settings.CHAT_RATE_BURST = 2
    _post(network_room, member, client_id="c1")
    _post(network_room, member, client_id="c1")  # the unique client_id undoes the token too
    message, created, _outbox = _post(network_room, member, client_id="c2")
    assert (message.seq, created) == (2, True)


def test_the_loop_and_the_threads_share_one_bucket(needs_postgres, settings, network_room, member):
    settings.CHAT_RATE_BURST = 3
    services.ratelimit.take_token(member.pk)
    services.ratelimit.take_token(member.pk)
    _post(network_room, member, client_id="c1")
    with pytest.raises(ValidationError) as refused:
        _post(network_room, member, client_id="c2")
    assert refused.value.code == "rate_limited"


def test_the_loop_connection_prepares_the_posting_statement_once(
    needs_postgres, no_thread, network_room, member
):
    """PostgreSQL parses and plans it once per connection, not once per message."""

    async def scenario():
        for n in range(3):
            await services.message_post_async(
                room=network_room, author=member, body="Moin", client_id=f"c{n}"
            )
        resources = await aio.loop_connections()
        [conn] = resources.idle
        cursor = await conn.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements"
        )
        return await cursor.fetchall()

    [(statement, plans)] = asyncio.run(scenario())
    assert "INSERT INTO chat_message" in statement
    assert plans == 3


def test_an_idle_connection_the_server_ended_is_replaced(
    needs_postgres, no_thread, network_room, member
):
    async def scenario():
        first = await services.message_post_async(
            room=network_room, author=member, body="eins", client_id="c1"
        )
        resources = await aio.loop_connections()
        [idle] = resources.idle
        await idle.close()  # as after a restart of PostgreSQL
        second = await services.message_post_async(
            room=network_room, author=member, body="zwei", client_id="c2"
        )
        return first, second, [conn.closed for conn in resources.idle]

    (first, _, _), (second, created, _), idle = asyncio.run(scenario())
    assert created and (first.seq, second.seq) == (1, 2)
    assert idle == [False]  # a new one, open, in its place
