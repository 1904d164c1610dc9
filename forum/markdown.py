"""Forum Markdown: the platform's renderer plus @mentions by stable handle.

A mention becomes a link to the member's profile only when the handle exists
(``community.mentions.MentionExtension``); everything still passes the
allow-list afterwards. Mentions inside code are left alone (python-markdown
stashes code before inline patterns).
"""

from community.mentions import MAX_MENTIONS, MentionExtension, candidate_handles
from core.markdown import render_markdown

__all__ = ["candidate_handles", "render_post"]


def render_post(
    text: str, *, known_handles: set[str], erased_handles: set[str] = frozenset()
) -> tuple[str, list[str]]:
    """Sanitised HTML of a post and the handles it mentions (outside code), in order."""
    found: list[str] = []
    extension = MentionExtension(set(known_handles), found, set(erased_handles))
    html = render_markdown(text, extensions=[extension])
    return html, found[:MAX_MENTIONS]
