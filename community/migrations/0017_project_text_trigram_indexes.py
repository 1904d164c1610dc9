"""PostgreSQL: trigram indexes for searching projects by title, description and lessons.

``community.selectors.project_search`` asks for every term as a
case-insensitive substring (``UPPER(col::text) LIKE UPPER('%term%')``) of the
title, the description or the lessons learned, or a tool's name; a GIN trigram
index on each expression lets PostgreSQL combine them (BitmapOr) instead of
reading every project. Nothing on SQLite.
"""

from django.db import migrations

COLUMNS = ["title", "body", "lessons_learned"]
POSTGRES_FORWARD = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS community_project_{column}_trgm"
    f" ON community_project USING gin (UPPER({column}) gin_trgm_ops)"
    for column in COLUMNS
]
POSTGRES_BACKWARD = [
    f"DROP INDEX CONCURRENTLY IF EXISTS community_project_{column}_trgm" for column in COLUMNS
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("community", "0016_second_factor")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD}),
            run({"postgresql": POSTGRES_BACKWARD}),
        ),
    ]
