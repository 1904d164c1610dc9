"""Chat Markdown: the platform's renderer, built once per thread, plus @handle links.

``community.markdown.render_markdown`` builds a python-markdown instance per
call (about a millisecond); a chat message is rendered on every send, so each
thread keeps one instance and resets it between messages (instances are not
thread-safe, posting runs in a thread pool). The output still passes
community.markdown's allow-list. An ``@handle`` becomes a link to the member's
profile only when that member exists; handles inside code or inside a link
stay text.
"""

import re
import threading
import xml.etree.ElementTree as etree

from django.urls import reverse
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from community.markdown import _markdown, sanitize_html

# A handle is a slug; "anna@wetzlar.de" is an address, not a mention.
MENTION_RE = r"(?<![\w@])@([-a-zA-Z0-9_]{1,60})"
MENTION = re.compile(MENTION_RE)
MAX_MENTIONS = 20

_local = threading.local()


def candidate_handles(body: str) -> list[str]:
    """The first ``MAX_MENTIONS`` distinct @words of a text, lower-cased, in order."""
    return list(dict.fromkeys(h.lower() for h in MENTION.findall(body)))[:MAX_MENTIONS]


class _MentionProcessor(InlineProcessor):
    ANCESTOR_EXCLUDES = ("a",)  # no link inside a link

    def handleMatch(self, m, data):
        handle = m.group(1).lower()
        if handle not in self.md.lotsennetz_handles:
            return None, None, None
        link = etree.Element("a")
        link.set("href", reverse("member_detail", kwargs={"handle": handle}))
        link.text = f"@{handle}"
        return link, m.start(0), m.end(0)


class _MentionExtension(Extension):
    def extendMarkdown(self, md):
        md.lotsennetz_handles = frozenset()
        md.inlinePatterns.register(_MentionProcessor(MENTION_RE, md), "lotsennetz_chat_mention", 65)


def _renderer():
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = _markdown([_MentionExtension()])
    return md


def render_message(body: str, *, handles: frozenset[str] | set[str] = frozenset()) -> str:
    """Sanitised HTML of a chat message; ``handles`` are the existing members to link."""
    if not body or not body.strip():
        return ""
    md = _renderer()
    md.lotsennetz_handles = frozenset(handles)
    try:
        html = md.reset().convert(body)
    finally:
        md.lotsennetz_handles = frozenset()
    return sanitize_html(html)
