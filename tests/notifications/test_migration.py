"""The model moved from community to notifications; the rows stayed (issue 17)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import Notification

BEFORE = ("community", "0013_repair_one_line_fields")


@pytest.mark.django_db(transaction=True)
def test_notifications_written_before_the_move_are_still_there(make_member):
    anna = make_member(display_name="Anna Schmidt")
    olaf = make_member(display_name="Olaf Otto")
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([BEFORE])
        old = MigrationExecutor(connection).loader.project_state([BEFORE]).apps
        OldNotification = old.get_model("community", "Notification")
        kept = OldNotification.objects.create(
            recipient_id=anna.pk,
            actor_id=olaf.pk,
            kind="forum.reply",
            text="Olaf Otto hat geantwortet",
            url="/forum/beitrag/1/",
            thread_key="forum.thread.1",
            thread_title="Erstes Thema",
        )
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        moved = Notification.objects.get()
        assert (moved.pk, moved.recipient, moved.actor, moved.text, moved.thread_key) == (
            kept.pk,
            anna,
            olaf,
            "Olaf Otto hat geantwortet",
            "forum.thread.1",
        )
        assert Notification._meta.db_table == "community_notification"
        assert list(anna.notifications.all()) == [moved]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
