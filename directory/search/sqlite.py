"""SQLite: FTS5 over German-stemmed text (Snowball), with diacritics folded.

Typos: the words of the documents (names left out) are kept in
``community_searchword`` as on PostgreSQL; a typed word that is no word of the
documents and whose stem matches none is compared with them by edit distance
(rapidfuzz), since SQLite has no trigram index. The embedded default serves
small networks, whose vocabulary is read in one query.
"""

from django.db import connection
from django.db.models import FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL

from community.models import MemberSearchDocument
from core.search_text import fold, stem, stemmed_text, words
from directory.search.base import (
    SearchBackend,
    TextQuery,
    close_words,
    typo_candidates,
    with_close_words,
)

VOCABULARY = "community_searchword"

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
    supports_typo_tolerance = True

    def index(self, member_ids: list[int]) -> None:
        documents = list(
            MemberSearchDocument.objects.filter(pk__in=member_ids).values_list(
                "pk", "text_a", "text_b", "text_c", "display_name"
            )
        )
        rows = [
            (pk, stemmed_text(a), stemmed_text(b), stemmed_text(c))
            for pk, a, b, c, _name in documents
        ]
        # Words are only added (as on PostgreSQL), never a member's name.
        vocabulary = set()
        for _pk, a, b, c, name in documents:
            names = {fold(w) for w in words(name)}
            vocabulary |= {fold(w) for w in words(f"{a} {b} {c}") if len(w) >= 4} - names
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {TABLE} WHERE rowid = %s",  # noqa: S608 (constant table name)
                [(pk,) for pk in member_ids],
            )
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, a, b, c) VALUES (%s, %s, %s, %s)",  # noqa: S608
                rows,
            )
            cursor.executemany(
                f"INSERT OR IGNORE INTO {VOCABULARY} (word) VALUES (%s)",  # noqa: S608
                [(w,) for w in sorted(vocabulary)],
            )

    def similar_words(self, terms: list[str]) -> dict[str, list[str]]:
        """Vocabulary words close to typed words that match nothing as they are."""
        if not terms:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT word FROM {VOCABULARY}")  # noqa: S608 (constant)
            vocabulary = [row[0] for row in cursor.fetchall()]
        known = set(vocabulary)
        stems = {stem(w) for w in vocabulary}
        similar = {}
        for term in terms:
            folded = fold(term)
            s = stem(term)
            # Known as it is, or its stem is a prefix of a word's stem, as FTS matches it.
            if folded in known or s in stems or any(x.startswith(s) for x in stems):
                continue
            found = close_words(term, vocabulary)
            if found:
                similar[term] = found
        return similar

    def prepare(self, groups: list[tuple[str, ...]]) -> TextQuery:
        return with_close_words(groups, self.similar_words(typo_candidates(groups)))

    def _group_match(self, group: tuple[str, ...]) -> str:
        """FTS5 syntax for one group: any alternative, each with all its words."""
        alternatives = []
        for alternative in group:
            clauses = []
            for word in words(alternative):
                s = stem(word)
                if s:
                    # A stem also matches as a prefix: "digital" finds "digitalisierung".
                    clauses.append(f"{_fts_literal(s)}*" if len(s) >= 4 else _fts_literal(s))
            if clauses:
                alternatives.append("(" + " AND ".join(dict.fromkeys(clauses)) + ")")
        return "(" + " OR ".join(dict.fromkeys(alternatives)) + ")" if alternatives else ""

    def group_matches(self, query: TextQuery, *, strong: bool = False) -> list:
        conditions = []
        for group in query.groups:
            match = self._group_match(group)
            if match and strong:
                match = f"{{a b}} : {match}"  # FTS5 column filter: not the bio (c)
            # Only the constant MATCH_SQL goes into the SQL text; the query is a parameter.
            matching = RawSQL(MATCH_SQL, [match])  # noqa: S611
            conditions.append(Q(pk__in=matching) if match else Q(pk__in=[]))
        return conditions

    def search(self, documents: QuerySet, query: TextQuery, *, all_terms: bool) -> QuerySet:
        clauses = [m for m in (self._group_match(g) for g in query.groups) if m]
        if not clauses:
            return documents.none()
        match = (" AND " if all_terms else " OR ").join(dict.fromkeys(clauses))
        # Only constants go into the SQL text; the query itself is a parameter.
        rank_sql = RANK_SQL.format(document_table=documents.model._meta.db_table)
        rank = RawSQL(rank_sql, [match], output_field=FloatField())  # noqa: S611
        matching = RawSQL(MATCH_SQL, [match])  # noqa: S611
        return documents.filter(pk__in=matching).annotate(text_rank=rank)
