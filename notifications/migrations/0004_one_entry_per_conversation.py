"""The unique entry per member and conversation, once 0002 has folded the rows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_collapse_per_conversation"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("object_key", ""), _negated=True),
                fields=["object_key"],
                name="notification_object",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind__in", ("chat.direct", "forum.reply"))),
                fields=("recipient", "kind", "thread_key"),
                name="notification_one_per_conversation",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(("item_count__gte", 1)), name="notification_item_count_gte_1"
            ),
        ),
    ]
