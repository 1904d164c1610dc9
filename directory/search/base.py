from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass(frozen=True)
class TextQuery:
    """A prepared free-text query: per typed term, the words it stands for.

    ``groups[i]`` holds the i-th term and, where the backend tolerates typos,
    the close words of the index it may mean ("dienstplanug" → "dienstplanung").
    """

    groups: tuple[tuple[str, ...], ...]

    @property
    def terms(self) -> list[str]:
        return [group[0] for group in self.groups]


class SearchBackend:
    """The interface of a search backend.

    ``index`` brings the vendor's structures up to date for documents already
    saved; ``prepare`` turns the terms into a ``TextQuery`` (at most one
    query); ``search`` keeps the search documents matching it, all terms
    (``all_terms``) or any, and annotates each with ``text_rank`` between 0
    and 1. Filtering and ranking happen on ``MemberSearchDocument`` alone.
    """

    vendor = ""
    #: "Akten" finds "Akte", "Schulungen" finds "Schulung".
    supports_stemming = False
    #: "Ubergabe" finds "Übergabe".
    supports_umlaut_folding = False
    #: "Dienstplanug" finds "Dienstplanung".
    supports_typo_tolerance = False

    def index(self, member_ids: list[int]) -> None:
        raise NotImplementedError

    def prepare(self, terms: list[str]) -> TextQuery:
        return TextQuery(tuple((term,) for term in terms))

    def search(self, documents: QuerySet, query: TextQuery, *, all_terms: bool) -> QuerySet:
        raise NotImplementedError
