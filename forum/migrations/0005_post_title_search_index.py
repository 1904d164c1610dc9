"""PostgreSQL: a full-text index of the thread titles as the posts' index holds them.

The forum search ranks the newest matching posts and the newest posts whose
thread title matches (``forum.selectors.FORUM_CANDIDATES``), not every match.
The title is the weight-A part of a first post's ``search_vector``; this
partial GIN index on exactly ``ts_filter(search_vector, '{a}')`` of first posts
finds the title hits without reading the posts. Built ``CONCURRENTLY`` (hence
not atomic): posting goes on while 200,000 posts are indexed. Nothing on
SQLite, which ranks all matches of its small forums.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS forum_post_title_search_gin"
    " ON forum_post USING gin (ts_filter(search_vector, '{a}')) WHERE number = 1",
]
POSTGRES_BACKWARD = ["DROP INDEX CONCURRENTLY IF EXISTS forum_post_title_search_gin"]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("forum", "0004_post_version")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD}),
            run({"postgresql": POSTGRES_BACKWARD}),
        ),
    ]
