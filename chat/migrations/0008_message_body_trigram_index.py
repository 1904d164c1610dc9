"""PostgreSQL: a trigram index for searching chat messages.

The search asks for every term as a case-insensitive substring
(``body__icontains``, compiled to ``UPPER(body::text) LIKE UPPER('%term%')``);
a GIN trigram index on that very expression answers it from the index
instead of reading a million messages. Built ``CONCURRENTLY`` (hence not
atomic): posting goes on while a large table is indexed. Nothing on SQLite,
which searches a small table by scanning it.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS chat_message_body_trgm"
    " ON chat_message USING gin (UPPER(body) gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX CONCURRENTLY IF EXISTS chat_message_body_trgm"]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("chat", "0007_room_reserved_slugs"), ("community", "0003_search_backends")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD}),
            run({"postgresql": POSTGRES_BACKWARD}),
        ),
    ]
