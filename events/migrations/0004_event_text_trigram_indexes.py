"""PostgreSQL: trigram indexes for searching events by title and description.

The search asks for every term as a case-insensitive substring of the title
or the description (``UPPER(col::text) LIKE UPPER('%term%')``); a GIN trigram
index on each expression lets PostgreSQL combine both (BitmapOr) instead of
reading every event. Nothing on SQLite.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_event_title_trgm"
    " ON events_event USING gin (UPPER(title) gin_trgm_ops)",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_event_description_trgm"
    " ON events_event USING gin (UPPER(description) gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX CONCURRENTLY IF EXISTS events_event_title_trgm",
    "DROP INDEX CONCURRENTLY IF EXISTS events_event_description_trgm",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("events", "0003_event_version"), ("community", "0003_search_backends")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD}),
            run({"postgresql": POSTGRES_BACKWARD}),
        ),
    ]
