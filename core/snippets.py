"""Plain-text snippets of a search hit, with the matched words marked.

A snippet is cut from text the caller has already made plain (see
``core.markdown.markdown_to_text``); ``highlight`` escapes every piece and
wraps only the matched words in ``<mark>``, so user HTML never reaches a page.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.search_text import fold, stem

SNIPPET_CHARS = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def _stems(terms: list[str]) -> list[str]:
    return sorted({s for s in (stem(t) for t in terms) if s} | {fold(t) for t in terms if t})


def _matches(word: str, stems: list[str]) -> bool:
    folded = fold(word.lower())
    return any(folded.startswith(s) for s in stems)


def snippet(text: str, terms: list[str], *, length: int = SNIPPET_CHARS) -> str:
    """A window of ``text`` around the first matched word ("…" where it was cut)."""
    text = " ".join((text or "").split())
    if len(text) <= length:
        return text
    stems = _stems(terms)
    start = 0
    for word in _WORD.finditer(text):
        if _matches(word.group(0), stems):
            start = max(0, word.start() - length // 4)
            break
    if start:
        # Begin at a word boundary.
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < word.start() else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def matched_words(text: str, terms: list[str]) -> list[str]:
    """The distinct words of ``text`` that matched, as they are written there."""
    stems = _stems(terms)
    found: list[str] = []
    for word in _WORD.findall(text or ""):
        if _matches(word, stems) and word not in found:
            found.append(word)
    return found


def highlight(text: str, terms: list[str]) -> SafeString:
    """``text`` escaped, its matched words in ``<mark>``."""
    stems = _stems(terms)
    parts: list[str] = []
    last = 0
    for word in _WORD.finditer(text or ""):
        if _matches(word.group(0), stems):
            parts.append(escape(text[last : word.start()]))
            parts.append("<mark>" + escape(word.group(0)) + "</mark>")
            last = word.end()
    parts.append(escape((text or "")[last:]))
    return mark_safe("".join(parts))  # noqa: S308 (every piece escaped above)
