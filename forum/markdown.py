"""Forum Markdown: the platform's renderer plus @mentions by stable handle.

A mention becomes a link to the member's profile only when the handle exists;
everything still passes community.markdown's allow-list afterwards. Mentions
inside code are left alone (python-markdown stashes code before inline patterns).
"""

import re
import xml.etree.ElementTree as etree

from django.urls import reverse
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from community.markdown import render_markdown

# A handle is a slug; "anna@wetzlar.de" is an address, not a mention.
MENTION_RE = r"(?<![\w@/.-])@([A-Za-z0-9][A-Za-z0-9_-]{0,59})"
_MENTION = re.compile(MENTION_RE)
MAX_MENTIONS = 20


def candidate_handles(text: str) -> set[str]:
    """Every @word of a text (also inside code); the renderer decides which are real."""
    return {m.lower() for m in _MENTION.findall(text or "")}


class _MentionProcessor(InlineProcessor):
    def __init__(self, pattern, md, known: set[str], found: list[str]):
        super().__init__(pattern, md)
        self.known = known
        self.found = found

    def handleMatch(self, m, data):
        handle = m.group(1).lower()
        if handle not in self.known:
            return None, None, None
        if handle not in self.found:
            self.found.append(handle)
        link = etree.Element("a")
        link.set("href", reverse("member_detail", kwargs={"handle": handle}))
        link.text = f"@{handle}"
        return link, m.start(0), m.end(0)


class _MentionExtension(Extension):
    def __init__(self, known: set[str], found: list[str]):
        super().__init__()
        self.known = known
        self.found = found

    def extendMarkdown(self, md):
        md.inlinePatterns.register(
            _MentionProcessor(MENTION_RE, md, self.known, self.found), "lotsennetz_mention", 65
        )


def render_post(text: str, *, known_handles: set[str]) -> tuple[str, list[str]]:
    """Sanitised HTML of a post and the handles it mentions (outside code), in order."""
    found: list[str] = []
    html = render_markdown(text, extensions=[_MentionExtension(known_handles, found)])
    return html, found[:MAX_MENTIONS]
