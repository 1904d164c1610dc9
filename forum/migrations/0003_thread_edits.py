"""Thread titles and tags become editable (history, log); PostgreSQL: trigram index on titles."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


# Typo-tolerant thread search: ``title %> term`` reads this index (pg_trgm comes from
# community 0003). SQLite has no trigrams; its search stays exact (stemmed, prefixes).
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS forum_thread_title_trgm ON forum_thread"
    " USING gin (title gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS forum_thread_title_trgm"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_search_backends"),
        ("forum", "0002_search_and_categories"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ThreadRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="geändert am"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="vorheriger Titel")),
                (
                    "tags",
                    models.CharField(
                        blank=True, max_length=500, verbose_name="vorherige Fachgebiete"
                    ),
                ),
            ],
            options={
                "verbose_name": "Version des Themas",
                "verbose_name_plural": "Versionen des Themas",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="moderationlog",
            name="forum_modlog_action_valid",
        ),
        migrations.AddField(
            model_name="thread",
            name="edited_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="Titel oder Fachgebiete geändert am"
            ),
        ),
        migrations.AlterField(
            model_name="moderationlog",
            name="action",
            field=models.CharField(
                choices=[
                    ("pin", "angeheftet"),
                    ("unpin", "gelöst"),
                    ("lock", "geschlossen"),
                    ("unlock", "wieder geöffnet"),
                    ("move", "verschoben"),
                    ("hide", "Beitrag ausgeblendet"),
                    ("unhide", "Beitrag wieder eingeblendet"),
                    ("resolve_flag", "Meldung erledigt"),
                    ("edit", "fremden Beitrag geändert"),
                    ("delete", "fremden Beitrag gelöscht"),
                    ("solution", "Lösung markiert"),
                    ("thread_edit", "fremdes Thema umbenannt oder verschlagwortet"),
                ],
                max_length=20,
                verbose_name="Aktion",
            ),
        ),
        migrations.AddConstraint(
            model_name="moderationlog",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "action__in",
                        [
                            "pin",
                            "unpin",
                            "lock",
                            "unlock",
                            "move",
                            "hide",
                            "unhide",
                            "resolve_flag",
                            "edit",
                            "delete",
                            "solution",
                            "thread_edit",
                        ],
                    )
                ),
                name="forum_modlog_action_valid",
            ),
        ),
        migrations.AddField(
            model_name="threadrevision",
            name="editor",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="geändert von",
            ),
        ),
        migrations.AddField(
            model_name="threadrevision",
            name="thread",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="revisions",
                to="forum.thread",
                verbose_name="Thema",
            ),
        ),
        migrations.RunPython(run(POSTGRES_FORWARD), run(POSTGRES_BACKWARD)),
    ]
