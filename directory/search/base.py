from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from core.search_text import fold

# The ``w<stem>`` evidence of a title word only planned projects have (no year of practice).
PLANNED_ONLY = 1
# Words shorter than this only match exactly: one letter off in four is another word.
TYPO_MIN_LENGTH = 5
# How many close words of the vocabulary one typed word may stand for.
SIMILAR_WORDS = 5


def typo_distance(term: str) -> int:
    """Edits a typed word may be away from a word of the documents: 1, from 8 letters 2."""
    return 2 if len(term) >= 8 else 1


def close_words(term: str, candidates) -> list[str]:
    """The candidates within ``typo_distance`` of the term (Damerau-Levenshtein:
    "enaoi" is one transposition from "enaio"), closest first."""
    folded = fold(term)
    found = process.extract(
        folded,
        candidates,
        scorer=DamerauLevenshtein.distance,
        score_cutoff=typo_distance(folded),
        limit=SIMILAR_WORDS,
    )
    return [word for word, _distance, _index in sorted(found, key=lambda f: (f[1], f[0]))]


@dataclass(frozen=True)
class TextQuery:
    """A prepared free-text query: per typed term, the words or phrases it stands for.

    ``groups[i]`` holds the i-th term first, then its synonyms (from the
    administrators' table, e.g. "elektronische akte") and, where the backend
    tolerates typos, the close words of the index it may mean
    ("dienstplanug" → "dienstplanung"). An alternative may have several words;
    all of them must match.
    """

    groups: tuple[tuple[str, ...], ...]

    @property
    def terms(self) -> list[str]:
        return [group[0] for group in self.groups]


class SearchBackend:
    """The interface of a search backend.

    ``index`` brings the vendor's structures up to date for documents already
    saved; ``prepare`` adds close words to the groups of a query (at most one
    query); ``search`` keeps the search documents matching it, all groups
    (``all_terms``) or any, and annotates each with ``text_rank`` between 0
    and 1; ``group_matches`` is a condition per group, for the ranking (how
    many terms matched) and the reasons (which); with ``strong`` only where
    the profile states it (names, expertise, projects, tools, municipality),
    not where the bio or lessons learned merely mention it. Filtering and
    ranking happen on ``MemberSearchDocument`` alone.
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

    def vocabulary_clear(self) -> None:
        """Forget the typo vocabulary (words are only ever added); a full rebuild refills it
        without the words no document holds any more, and without names."""
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM community_searchword")

    def prepare(self, groups: list[tuple[str, ...]]) -> TextQuery:
        return TextQuery(tuple(groups))

    def search(self, documents: QuerySet, query: TextQuery, *, all_terms: bool) -> QuerySet:
        raise NotImplementedError

    def group_matches(self, query: TextQuery, *, strong: bool = False) -> list:
        raise NotImplementedError

    def terms_refresh(self, *, force: bool = False, batch_size: int = 2000) -> bool:
        """Bring stored per-word weights in step with the year; whether anything was
        recomputed (nothing where the backend keeps no such weights)."""
        return False

    def terms_stamp_write(self) -> None:
        """Record that the stored weights are current (after a full rebuild)."""

    def candidates(self, query: TextQuery, *, per_word: int, municipality_id: int | None):
        """SQL and parameters of the member ids worth scoring for the query, or None:
        score all matches (small networks, where that is cheap)."""
        return None


def typo_candidates(groups: list[tuple[str, ...]]) -> list[str]:
    """The typed words worth a typo lookup: alone in their group (no synonym), long enough,
    letters (a number is never a typo)."""
    return [
        g[0]
        for g in groups
        if len(g) == 1 and " " not in g[0] and len(g[0]) >= TYPO_MIN_LENGTH and not g[0].isdigit()
    ]


def with_close_words(groups: list[tuple[str, ...]], similar: dict[str, list[str]]) -> TextQuery:
    return TextQuery(
        tuple(tuple(dict.fromkeys([*group, *similar.get(group[0], [])])) for group in groups)
    )
