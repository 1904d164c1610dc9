"""PostgreSQL: per member and word of the search document, what the word is worth.

A broad query ("E-Akte" with its synonyms) matches a third of a national
network; scoring every match (``ts_rank`` and the JSON reads of the score)
cost ≈ 90 % of the expertise search (docs/performance.md). The search now
takes, per word of the query, the members for whom the word weighs most along
the index ``directory_membersearchterm_best`` and scores only those. The
weight (``directory.search.postgres.TERMS_ADD``): where the word stands (A,
B or C as ``ts_rank`` weighs it), the level declared in a field whose name
has it, and running or finished projects whose title or tools have it. The
backend refreshes a member's rows whenever it indexes the member; this
migration fills them for the documents already there. Nothing on SQLite,
which scores all matches of its small networks.
"""

from django.db import migrations

# No foreign key: Django's flush truncates only the tables it knows. A deleted
# member's rows name no document any more and drop out of the ranking's join.
CREATE = """
    CREATE TABLE IF NOT EXISTS directory_membersearchterm (
      member_id integer NOT NULL,
      lexeme text NOT NULL,
      weight real NOT NULL,
      state varchar(2) NOT NULL,
      PRIMARY KEY (member_id, lexeme)
    )
"""
# As directory.search.postgres.TERMS_ADD, for all documents at once.
FILL = """
    INSERT INTO directory_membersearchterm (member_id, lexeme, weight, state)
    WITH docs AS (
      SELECT member_id, state, vector, levels, projects FROM community_membersearchdocument
      WHERE is_active AND vector IS NOT NULL
    ), fields AS (
      SELECT d.member_id, l.lexeme, MAX(f.level::int) AS level
      FROM docs d
      CROSS JOIN LATERAL jsonb_each_text(d.levels) AS f(key, level)
      JOIN community_expertise e ON 'e' || e.id = f.key
      CROSS JOIN LATERAL unnest(tsvector_to_array(
        to_tsvector('lotsennetz_german', e.name))) AS l(lexeme)
      GROUP BY 1, 2
    ), practice AS (
      SELECT d.member_id, l.lexeme,
        LEAST(COUNT(*) FILTER (WHERE jsonb_typeof(p.entry->5) = 'number'), 2) AS runs,
        MAX((p.entry->>5)::int) AS year,
        LEAST(COUNT(*), 3) AS projects
      FROM docs d
      CROSS JOIN LATERAL jsonb_array_elements(d.projects) AS p(entry)
      CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('lotsennetz_german', concat_ws(' ',
        p.entry->>0,
        (SELECT string_agg(t.name, ' ') FROM community_tool t
         WHERE t.id IN (SELECT jsonb_array_elements_text(p.entry->3)::int))
      )))) AS l(lexeme)
      GROUP BY 1, 2
    )
    SELECT d.member_id, u.lexeme,
      4.0 * (CASE WHEN 'A' = ANY(u.weights) THEN 1.0 WHEN 'B' = ANY(u.weights) THEN 0.4
                  ELSE 0.2 END)
      + 1.5 * COALESCE(f.level, 0)
      + 4.0 * COALESCE(p.runs, 0) + COALESCE(p.projects, 0)
      + 0.5 * GREATEST(0, 3 - (EXTRACT(YEAR FROM now()) - COALESCE(p.year, 0))),
      d.state
    FROM docs d
    CROSS JOIN LATERAL unnest(d.vector) AS u
    LEFT JOIN fields f ON f.member_id = d.member_id AND f.lexeme = u.lexeme
    LEFT JOIN practice p ON p.member_id = d.member_id AND p.lexeme = u.lexeme
"""
# After the fill: the best members of a word, the weightiest first, in the network
# and in one state (the searcher's state breaks ties of the ranking).
POSTGRES_FORWARD = [
    CREATE,
    FILL,
    "CREATE INDEX IF NOT EXISTS directory_membersearchterm_best"
    " ON directory_membersearchterm (lexeme, weight DESC, member_id)",
    "CREATE INDEX IF NOT EXISTS directory_membersearchterm_best_in_state"
    " ON directory_membersearchterm (lexeme, state, weight DESC, member_id)",
    "ANALYZE directory_membersearchterm",
]
POSTGRES_BACKWARD = ["DROP TABLE IF EXISTS directory_membersearchterm"]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_seed_synonyms_and_sqlite_vocabulary"),
        ("community", "0018_oidc_provider"),
    ]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD}),
            run({"postgresql": POSTGRES_BACKWARD}),
        ),
    ]
