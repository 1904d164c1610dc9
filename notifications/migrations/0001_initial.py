"""The bell's model, taken over from community with its table (issue 17).

``community_notification`` was created by community.0005 and keeps its rows;
this migration only tells Django that the model now lives here.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("community", "0014_notification_moved"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kind", models.CharField(max_length=40, verbose_name="Art")),
                        ("text", models.CharField(max_length=300, verbose_name="Text")),
                        ("url", models.CharField(max_length=500, verbose_name="Ziel")),
                        (
                            "thread_key",
                            models.CharField(blank=True, max_length=100, verbose_name="Gesprächsfaden"),
                        ),
                        (
                            "thread_title",
                            models.CharField(
                                blank=True, max_length=200, verbose_name="Titel des Gesprächsfadens"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="erstellt am"
                            ),
                        ),
                        ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="gelesen am")),
                        (
                            "emailed_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="per E-Mail gesendet am"
                            ),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="ausgelöst von",
                            ),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="Empfänger:in",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Benachrichtigung",
                        "verbose_name_plural": "Benachrichtigungen",
                        "db_table": "community_notification",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [
                            models.Index(
                                fields=["recipient", "-created_at"], name="notification_recipient_new"
                            ),
                            models.Index(
                                condition=models.Q(("read_at__isnull", True)),
                                fields=["recipient"],
                                name="notification_unread",
                            ),
                            models.Index(
                                condition=models.Q(("emailed_at__isnull", True), ("read_at__isnull", True)),
                                fields=["recipient", "created_at"],
                                name="notification_unmailed",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
