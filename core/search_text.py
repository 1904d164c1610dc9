"""Splitting and stemming German text the same way for documents and queries."""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

MAX_QUERY_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("german")


def words(text: str) -> list[str]:
    """Lower-case words; "E-Akte" gives "e" and "akte"."""
    return [w for w in _WORD.findall((text or "").lower()) if w != "_"]


def fold(word: str) -> str:
    """Remove diacritics: "übergabe" → "ubergabe" (what the user may type)."""
    if word.isascii():  # most words: nothing to remove (and no "ß")
        return word
    return _fold(word)


@lru_cache(maxsize=50_000)
def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """Snowball is slow (≈ 0.3 ms a word); the words of titles and names repeat."""
    return fold(_stemmer.stemWord(fold(word)))


# German function words: never evidence of what a project was about ("Einführung
# enaio in Marburg" is about enaio and Marburg, not about "in").
FUNCTION_WORDS = frozenset(
    [
        "aber", "alle", "als", "am", "an", "auf", "aus", "bei", "beim", "bis", "da", "das", "dass",
        "dem", "den", "der", "des", "die", "dies", "diese", "durch", "ein", "eine", "einem",
        "einen", "einer", "eines", "es", "fur", "gegen", "hat", "im", "in", "ins", "ist", "mit",
        "nach", "neu", "neue", "neuem", "neuen", "neuer", "neues", "oder", "ohne", "per", "pro",
        "sich", "so", "uber", "um", "und", "unser", "unsere", "vom", "von", "vor", "was", "wer",
        "wie", "wir", "zu", "zum", "zur",
    ]
)  # fmt: skip


@lru_cache(maxsize=20_000)
def evidence_stems(text: str) -> frozenset[str]:
    """The stems of a title's words that can be evidence: no function words, no single letters.

    Cached: the search's reasons ask for the same titles on every page."""
    return frozenset(
        stem(w)
        for w in words(text)
        if len(w) > 1 and "_" not in w and fold(w) not in FUNCTION_WORDS
    )


def stemmed_text(text: str) -> str:
    return " ".join(stem(w) for w in words(text))


def query_terms(q: str) -> list[str]:
    """The distinct words of a query worth searching for, in order, at most a dozen."""
    seen: list[str] = []
    for word in words(q):
        if (len(word) > 1 or word.isdigit()) and word not in seen:
            seen.append(word)
    return seen[:MAX_QUERY_TERMS]
