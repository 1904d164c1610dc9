"""Chat Markdown: the platform's renderer, built once per thread, plus @handle links.

``core.markdown.render_markdown`` builds a python-markdown instance per
call (about a millisecond); a chat message is rendered on every send, so each
thread keeps one instance and resets it between messages (instances are not
thread-safe, posting runs in a thread pool). The output still passes
core.markdown's allow-list. An ``@handle`` becomes a link to the member's
profile only when that member exists; handles inside code or inside a link
stay text.
"""

import threading
from functools import partial

from community.mentions import MAX_MENTIONS, MentionExtension
from community.mentions import candidate_handles as _candidate_handles
from core.markdown import _markdown, sanitize_html

# The chat looks up no more than this many @words per message.
candidate_handles = partial(_candidate_handles, limit=MAX_MENTIONS)

_local = threading.local()


def _renderer():
    """This thread's renderer, with the containers its mention extension reads."""
    md = getattr(_local, "md", None)
    if md is None:
        _local.known, _local.found, _local.erased = set(), [], set()
        # nl2br: a chat message is typed line by line (Shift+Enter), not in paragraphs;
        # each line break the author made stays one (<br>).
        md = _local.md = _markdown(
            [MentionExtension(_local.known, _local.found, _local.erased), "nl2br"]
        )
    return md


def render_message(
    body: str,
    *,
    handles: frozenset[str] | set[str] = frozenset(),
    erased: frozenset[str] | set[str] = frozenset(),
) -> str:
    """Sanitised HTML of a chat message; ``handles`` are the existing members to link,
    ``erased`` the handles of erased members (shown as the neutral name)."""
    if not body or not body.strip():
        return ""
    md = _renderer()
    _local.known.update(handles)
    _local.erased.update(erased)
    try:
        html = md.reset().convert(body)
    finally:
        _local.known.clear()
        _local.found.clear()
        _local.erased.clear()
    return sanitize_html(html)
