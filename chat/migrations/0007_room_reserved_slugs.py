"""The constraints for direct_key and reserved slugs, once 0005 filled in the data.

A migration of its own: on PostgreSQL the constraints are added in a
transaction of their own, after the data changes have committed.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0006_room_direct_key"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="room",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("direct_key__isnull", False), ("kind", "direct")),
                    models.Q(
                        models.Q(("kind", "direct"), _negated=True), ("direct_key__isnull", True)
                    ),
                    _connector="OR",
                ),
                name="chat_room_direct_key_by_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="room",
            constraint=models.UniqueConstraint(
                fields=("direct_key",), name="chat_room_one_per_direct_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="room",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind", "direct"),
                    models.Q(
                        ("slug__istartswith", "direkt-"),
                        ("slug__iexact", "direkt"),
                        _connector="OR",
                        _negated=True,
                    ),
                    _connector="OR",
                ),
                name="chat_room_direct_slug_reserved",
            ),
        ),
        migrations.AddConstraint(
            model_name="room",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind", "municipality"),
                    models.Q(("slug__istartswith", "kommune-"), _negated=True),
                    _connector="OR",
                ),
                name="chat_room_municipality_slug_reserved",
            ),
        ),
    ]
