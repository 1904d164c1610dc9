"""Drop the single-column room indexes of messages and memberships.

Each table's unique constraints lead with ``room_id`` and serve every lookup by
room, so the separate index only cost a write per message. Django's own
AlterField would drop and re-add the foreign key, which re-checks every row
under a lock that stops posting; dropping the index alone is instant.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("chat_message", "chat_message_room_id_5e7d8d78"),
    ("chat_roommembership", "chat_roommembership_room_id_641efe2d"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0002_mention"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="room",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="chat.room",
                        verbose_name="Raum",
                    ),
                ),
                migrations.AlterField(
                    model_name="roommembership",
                    name="room",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="chat.room",
                        verbose_name="Raum",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {index}",
                    reverse_sql=f"CREATE INDEX {index} ON {table} (room_id)",
                )
                for table, index in INDEXES
            ],
        ),
    ]
