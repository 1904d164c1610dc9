"""PostgreSQL: German full-text search with unaccent, plus trigram similarity for typos.

The text search configuration ``lotsennetz_german`` (german stemming after
unaccent) and the GIN indexes are created by migration 0003.
"""

from functools import reduce
from operator import or_

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Cast, Greatest

from community.models import MemberSearchDocument
from community.search.base import SearchBackend

CONFIG = "lotsennetz_german"
# Words shorter than this only match exactly; trigram similarity on two or
# three letters finds noise.
TYPO_MIN_LENGTH = 5


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

    def search(self, members: QuerySet, terms: list[str]) -> QuerySet:
        query = reduce(or_, [SearchQuery(t, config=CONFIG, search_type="plain") for t in terms])
        matches = Q(search_document__vector=query)
        long_terms = [t for t in terms if len(t) >= TYPO_MIN_LENGTH]
        for term in long_terms:
            matches |= Q(search_document__text__trigram_word_similar=term)
        # normalization 32: rank / (rank + 1), between 0 and 1.
        rank = SearchRank(F("search_document__vector"), query, normalization=32)
        if long_terms:
            similarity = Greatest(
                *[TrigramWordSimilarity(term, "search_document__text") for term in long_terms],
                Value(0.0),
            )
            rank = Greatest(rank, Cast(similarity, FloatField()) * Value(0.5))
        return members.filter(matches).annotate(text_rank=Cast(rank, FloatField()))
