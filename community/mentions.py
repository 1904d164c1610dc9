"""@mentions in forum posts and chat messages: ``@handle`` links to a member's profile.

Split from core.markdown (issue 17): a mention knows members (their profile's
URL, the erased handles), so it lives in community; core renders and sanitises.
"""

import re
import xml.etree.ElementTree as etree

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from community.models import ERASED_MEMBER_NAME, ErasedHandle, handle_digest

# --- @mentions (forum posts and chat messages) ---------------------------------------
# A handle is a slug; "anna@wetzlar.de" is an address, not a mention.
MENTION_RE = r"(?<![\w@/.-])@([A-Za-z0-9][A-Za-z0-9_-]{0,59})"
_MENTION = re.compile(MENTION_RE)
MAX_MENTIONS = 20


def candidate_handles(text: str, *, limit: int | None = None) -> list[str]:
    """The distinct @words of a text (also inside code), lower-cased, in order.

    The renderer decides which of them are members and outside code.
    """
    handles = list(dict.fromkeys(m.lower() for m in _MENTION.findall(text or "")))
    return handles if limit is None else handles[:limit]


class _MentionProcessor(InlineProcessor):
    ANCESTOR_EXCLUDES = ("a",)  # no link inside a link

    def __init__(self, pattern, md, known: set[str], found: list[str], erased: set[str]):
        super().__init__(pattern, md)
        self.known = known
        self.found = found
        self.erased = erased

    def handleMatch(self, m, data):
        handle = m.group(1).lower()
        if handle in self.erased:  # an erased member's handle: the neutral name, no link
            text = etree.Element("span")  # not on the allow-list: only its text stays
            text.text = erased_member_name()
            return text, m.start(0), m.end(0)
        if handle not in self.known:
            return None, None, None
        if handle not in self.found:
            self.found.append(handle)
        link = etree.Element("a")
        link.set("href", reverse("member_detail", kwargs={"handle": handle}))
        link.text = f"@{handle}"
        return link, m.start(0), m.end(0)


class MentionExtension(Extension):
    """Links ``@handle`` to the profile when the handle is in ``known`` (the caller
    looked the members up) and collects the linked handles in ``found``, in order.
    A handle in ``erased`` (an erased member's, see ``ErasedHandle``) reads as
    the neutral name. The containers are the caller's: a renderer kept per
    thread reuses them."""

    def __init__(self, known: set[str], found: list[str], erased: set[str] | None = None):
        super().__init__()
        self.known = known
        self.found = found
        self.erased = set() if erased is None else erased

    def extendMarkdown(self, md):
        md.inlinePatterns.register(
            _MentionProcessor(MENTION_RE, md, self.known, self.found, self.erased),
            "lotsennetz_mention",
            65,
        )


def erased_member_name() -> str:
    """The neutral name stored texts use for an erased member (the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(ERASED_MEMBER_NAME)


def erased_handles(handles) -> set[str]:
    """Those of ``handles`` that belonged to erased members (one query; none if empty)."""
    by_digest = {handle_digest(h): h for h in handles}
    if not by_digest:
        return set()
    found = ErasedHandle.objects.filter(digest__in=by_digest).values_list("digest", flat=True)
    return {by_digest[d] for d in found}
