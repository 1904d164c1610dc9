"""SQLite: FTS5 over German-stemmed text (Snowball), with diacritics folded.

What it lacks: typo tolerance ("Dienstplanug" does not find "Dienstplanung");
PostgreSQL's trigram similarity has no FTS5 counterpart here.
"""

from django.db import connection
from django.db.models import FloatField, QuerySet
from django.db.models.expressions import RawSQL

from community.models import MemberSearchDocument
from core.search_text import stem, stemmed_text
from directory.search.base import SearchBackend, TextQuery

TABLE = "community_member_fts"
# Column weights for bm25: a (names, expertise) > b (projects, tools) > c (bio).
WEIGHTS = "10.0, 4.0, 1.0"
RANK_SQL = (
    f"SELECT (-bm25({TABLE}, {WEIGHTS})) / (1.0 - bm25({TABLE}, {WEIGHTS})) "  # noqa: S608
    f"FROM {TABLE} WHERE {TABLE} MATCH %s AND {TABLE}.rowid = {{document_table}}.member_id"
)
MATCH_SQL = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s"  # noqa: S608


def _fts_literal(term: str) -> str:
    # Terms are \w+ only (core.search_text.words); quoting keeps FTS5 syntax out.
    return '"' + term.replace('"', "") + '"'


class SQLiteSearchBackend(SearchBackend):
    vendor = "sqlite"
    supports_stemming = True
    supports_umlaut_folding = True
    supports_typo_tolerance = False

    def index(self, member_ids: list[int]) -> None:
        documents = MemberSearchDocument.objects.filter(pk__in=member_ids).values_list(
            "pk", "text_a", "text_b", "text_c"
        )
        rows = [
            (pk, stemmed_text(a), stemmed_text(b), stemmed_text(c)) for pk, a, b, c in documents
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {TABLE} WHERE rowid = %s",  # noqa: S608 (constant table name)
                [(pk,) for pk in member_ids],
            )
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, a, b, c) VALUES (%s, %s, %s, %s)",  # noqa: S608
                rows,
            )

    def search(self, documents: QuerySet, query: TextQuery, *, all_terms: bool) -> QuerySet:
        clauses = []
        for term in query.terms:
            s = stem(term)
            if s:
                # A stem also matches as a prefix: "digital" finds "digitalisierung".
                clauses.append(f"{_fts_literal(s)}*" if len(s) >= 4 else _fts_literal(s))
        if not clauses:
            return documents.none()
        match = (" AND " if all_terms else " OR ").join(dict.fromkeys(clauses))
        # Only constants go into the SQL text; the query itself is a parameter.
        rank_sql = RANK_SQL.format(document_table=documents.model._meta.db_table)
        rank = RawSQL(rank_sql, [match], output_field=FloatField())  # noqa: S611
        matching = RawSQL(MATCH_SQL, [match])  # noqa: S611
        return documents.filter(pk__in=matching).annotate(text_rank=rank)
