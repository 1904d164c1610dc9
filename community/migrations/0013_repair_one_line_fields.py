"""Stored names and titles under the one-line rule (core.text)."""

from django.db import migrations


def repair(apps, schema_editor):
    from core.text import repair_stored_one_line_fields

    repair_stored_one_line_fields(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0012_erased_handles"),
        ("forum", "0003_thread_edits"),
        ("events", "0002_forum_thread"),
        ("chat", "0004_ratebucket"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
