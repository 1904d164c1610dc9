"""The Notification model moved to the notifications app (issue 17).

Only Django's picture of the models changes: the table ``community_notification``
and its rows stay where they are, notifications.0001 takes the model over.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("community", "0013_repair_one_line_fields")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
