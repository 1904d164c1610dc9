"""PostgreSQL: the best members of a word in the order the ranking breaks ties.

The candidates of a word (``directory.search.postgres.CANDIDATES_SQL``) are
the members it weighs most for; among equal weights the index chose by
member id, the ranking by name. At 50,000 members hundreds share a weight
(the same generated profile), so the first page kept only 9 of the 20 a full
ranking shows for "Tablets Außendienst" (docs/performance.md). The rows now
carry the member's name, and both indexes order by it before the id. The
names are filled by ``manage.py refresh_search_terms`` (the form of the
weights changed: it recomputes them once, then only when the year changes);
until then they are empty and ties fall to the id as before.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE directory_membersearchterm ADD COLUMN IF NOT EXISTS display_name text"
    " NOT NULL DEFAULT ''",
    "DROP INDEX IF EXISTS directory_membersearchterm_best",
    "DROP INDEX IF EXISTS directory_membersearchterm_best_in_state",
    "CREATE INDEX directory_membersearchterm_best"
    " ON directory_membersearchterm (lexeme, weight DESC, display_name, member_id)",
    "CREATE INDEX directory_membersearchterm_best_in_state"
    " ON directory_membersearchterm (lexeme, state, weight DESC, display_name, member_id)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS directory_membersearchterm_best",
    "DROP INDEX IF EXISTS directory_membersearchterm_best_in_state",
    "ALTER TABLE directory_membersearchterm DROP COLUMN IF EXISTS display_name",
    "CREATE INDEX directory_membersearchterm_best"
    " ON directory_membersearchterm (lexeme, weight DESC, member_id)",
    "CREATE INDEX directory_membersearchterm_best_in_state"
    " ON directory_membersearchterm (lexeme, state, weight DESC, member_id)",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_member_search_term_weights")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD}),
            run({"postgresql": POSTGRES_BACKWARD}),
        ),
    ]
