"""PostgreSQL: the vocabulary of the search documents, for typo tolerance.

Trigram similarity against whole documents (``text %> 'dienstplanug'``) costs
a ``word_similarity`` over every candidate document: seconds at 50,000
members (docs/performance.md). The search now looks the typed word up in this
table of distinct words instead (a few thousand rows, trigram GIN index) and
searches the full-text index for the closest words it finds, as the pg_trgm
documentation suggests ("Text Search Integration"). The backend adds the words
of every document it indexes; this migration fills it from the existing ones.
Nothing on SQLite, whose backend has no typo tolerance.
"""

from django.db import migrations

FILL = """
    INSERT INTO community_searchword (word)
    SELECT DISTINCT w FROM community_membersearchdocument d,
      unnest(tsvector_to_array(to_tsvector('simple', unaccent(d.text)))) AS w
    WHERE length(w) >= 4
    ON CONFLICT DO NOTHING
"""
# The index comes after the fill, and without the pending list (fastupdate):
# additions are few and small, and a search must not scan unsorted entries.
POSTGRES_FORWARD = [
    "CREATE TABLE IF NOT EXISTS community_searchword (word text PRIMARY KEY)",
    FILL,
    "CREATE INDEX IF NOT EXISTS community_searchword_trgm"
    " ON community_searchword USING gin (word gin_trgm_ops) WITH (fastupdate = off)",
]
POSTGRES_BACKWARD = ["DROP TABLE IF EXISTS community_searchword"]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("community", "0005_notifications")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD}),
            run({"postgresql": POSTGRES_BACKWARD}),
        ),
    ]
