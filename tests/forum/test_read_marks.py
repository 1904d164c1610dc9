"""Read marks on a page view: one round trip, never moving backwards, durability scoped."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum import services
from forum.models import ReadState


@pytest.mark.django_db(transaction=True)
def test_a_visit_outside_a_transaction_marks_read_without_waiting_for_the_flush(
    needs_postgres, thread, member, other
):
    for n in range(3):
        services.post_create(author=other, thread=thread, body=f"Antwort {n}")
    with CaptureQueriesContext(connection) as queries:
        services.thread_visit(member=member, thread=thread, number=3)
    upsert = [q["sql"] for q in queries.captured_queries if "forum_readstate" in q["sql"]]
    assert len(upsert) == 1
    assert upsert[0].startswith("SET LOCAL synchronous_commit TO OFF; INSERT")
    services.thread_visit(member=member, thread=thread, number=2)  # never backwards
    assert ReadState.objects.get(member=member, thread=thread).last_read_number == 3
    # SET LOCAL ended with its implicit transaction: the session commits durably again.
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.django_db
def test_inside_a_callers_transaction_durability_is_left_alone(thread, member):
    with CaptureQueriesContext(connection) as queries:
        services.thread_visit(member=member, thread=thread, number=1)
    assert not any("synchronous_commit" in q["sql"] for q in queries.captured_queries)
    assert ReadState.objects.get(member=member, thread=thread).last_read_number == 1
