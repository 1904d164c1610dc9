"""PostgreSQL: German full-text search with unaccent, plus trigram similarity for typos.

The text search configuration ``lotsennetz_german`` (german stemming after
unaccent) and the GIN indexes are created by migration 0003.

Typos are looked up in the vocabulary of the documents (``community_searchword``,
trigram GIN index, migration 0006), not in the documents themselves: the closest
words found there join the full-text query, so a search reads only the tsvector
index. Comparing the typed word with every candidate document instead costs
seconds at 50,000 members (docs/performance.md).
"""

from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorExact,
    SearchVectorField,
)
from django.db import connection
from django.db.models import F, FloatField, Func, Q, QuerySet
from django.db.models.functions import Cast

from community.models import MemberSearchDocument
from directory.search.base import (
    SearchBackend,
    TextQuery,
    close_words,
    typo_candidates,
    with_close_words,
)

CONFIG = "lotsennetz_german"
# Trigram candidates per typed word, of which rapidfuzz keeps the close ones.
CANDIDATES = 20

VOCABULARY_ADD = """
    INSERT INTO community_searchword (word)
    SELECT DISTINCT w FROM community_membersearchdocument d,
      unnest(tsvector_to_array(to_tsvector(
        'simple', unaccent(concat_ws(' ', d.text_a, d.text_b, d.text_c))
      ))) AS w
    WHERE d.member_id = ANY(%s) AND length(w) >= 4
      -- never a member's name: a typo must not widen into people
      AND w <> ALL(tsvector_to_array(to_tsvector('simple', unaccent(d.display_name))))
    ORDER BY w
    ON CONFLICT DO NOTHING
"""
# word %> term: word_similarity(term, word) >= pg_trgm.word_similarity_threshold,
# the test the search used to run against whole documents, now against words;
# only for terms that are no word of the documents and whose stem matches no
# document either ("did you mean"): "Akten" is no word of the documents, but
# its stem "akt" is, so it is searched as it is, without widening to
# "aktenplan", "papierakten", … (that once made it match 17,000 members).
SIMILAR_SQL = """
    SELECT t.term, s.word FROM unnest(%s::text[]) AS t(term)
    CROSS JOIN LATERAL (
      SELECT NOT EXISTS (
        SELECT 1 FROM community_searchword WHERE word = unaccent(t.term)
      ) AND NOT EXISTS (
        SELECT 1 FROM community_membersearchdocument
        WHERE vector @@ plainto_tsquery('lotsennetz_german', t.term)
      ) AS unknown
    ) k
    CROSS JOIN LATERAL (
      SELECT word FROM community_searchword
      WHERE k.unknown AND (word %%> unaccent(t.term) OR word %% unaccent(t.term))
      ORDER BY similarity(unaccent(t.term), word) DESC,
               word_similarity(unaccent(t.term), word) DESC, word
      LIMIT %s
    ) s
"""


class PostgresSearchBackend(SearchBackend):
    vendor = "postgresql"
    supports_stemming = True
    supports_umlaut_folding = True
    supports_typo_tolerance = True

    def index(self, member_ids: list[int]) -> None:
        MemberSearchDocument.objects.filter(pk__in=member_ids).update(
            vector=SearchVector("text_a", weight="A", config=CONFIG)
            + SearchVector("text_b", weight="B", config=CONFIG)
            + SearchVector("text_c", weight="C", config=CONFIG)
        )
        # Words are only added: a word no document holds any more matches nothing.
        with connection.cursor() as cursor:
            cursor.execute(VOCABULARY_ADD, [list(member_ids)])

    def similar_words(self, terms: list[str]) -> dict[str, list[str]]:
        """Document words close to unknown longer terms ("dienstplanug" → "dienstplanung",
        "enaoi" → "enaio"): trigram candidates, of which the edit distance decides."""
        if not terms:
            return {}
        candidates: dict[str, list[str]] = {}
        with connection.cursor() as cursor:
            cursor.execute(SIMILAR_SQL, [terms, CANDIDATES])
            for term, word in cursor.fetchall():
                candidates.setdefault(term, []).append(word)
        similar = {t: close_words(t, words) for t, words in candidates.items()}
        return {t: words for t, words in similar.items() if words}

    def prepare(self, groups: list[tuple[str, ...]]) -> TextQuery:
        return with_close_words(groups, self.similar_words(typo_candidates(groups)))

    def _group_query(self, group: tuple[str, ...]):
        return reduce(or_, [SearchQuery(w, config=CONFIG, search_type="plain") for w in group])

    def group_matches(self, query: TextQuery, *, strong: bool = False) -> list:
        if not strong:
            return [Q(vector=self._group_query(group)) for group in query.groups]
        # The lexemes of text_a and text_b (weights A and B) only, not those of the bio.
        stated = Func(
            F("vector"),
            function="ts_filter",
            template="%(function)s(%(expressions)s, '{a,b}')",
            output_field=SearchVectorField(),
        )
        return [SearchVectorExact(stated, self._group_query(group)) for group in query.groups]

    def search(self, documents: QuerySet, query: TextQuery, *, all_terms: bool) -> QuerySet:
        # A term matches as itself or as one of the words it may be a typo of.
        alternatives = [self._group_query(group) for group in query.groups]
        tsquery = reduce(and_ if all_terms else or_, alternatives)
        # normalization 32: rank / (rank + 1), between 0 and 1.
        rank = SearchRank(F("vector"), tsquery, normalization=32)
        return documents.filter(vector=tsquery).annotate(text_rank=Cast(rank, FloatField()))
