"""Database objects of the search backends, per vendor (see community/search/)."""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'lotsennetz_german') THEN
        CREATE TEXT SEARCH CONFIGURATION lotsennetz_german (COPY = german);
        ALTER TEXT SEARCH CONFIGURATION lotsennetz_german
          ALTER MAPPING FOR hword, hword_part, word WITH unaccent, german_stem;
      END IF;
    END $$
    """,
    "CREATE INDEX IF NOT EXISTS community_searchdoc_vector_gin"
    " ON community_membersearchdocument USING gin (vector)",
    "CREATE INDEX IF NOT EXISTS community_searchdoc_text_trgm"
    " ON community_membersearchdocument USING gin (text gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS community_searchdoc_text_trgm",
    "DROP INDEX IF EXISTS community_searchdoc_vector_gin",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS lotsennetz_german",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS community_member_fts"
    " USING fts5(a, b, c, tokenize = 'unicode61 remove_diacritics 2')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS community_member_fts"]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("community", "0002_expertise_projects_search")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
