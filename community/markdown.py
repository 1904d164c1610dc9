"""Markdown to safe HTML, for every Markdown field of the platform.

Rendered once when a text is saved and stored as HTML, never per request.
python-markdown turns the text into HTML with a fixed set of extensions;
nh3 (ammonia) then keeps only an explicit allow-list. bleach, the former
standard, has had its final release and gets no security fixes any more.
"""

import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from django.urls import reverse
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
}
# Table cells may carry exactly these alignments and nothing else.
ALIGN_VALUES = {"left", "center", "right"}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer ugc"

# A text's headings sit below the page's own h1 and h2.
HEADING_SHIFT = {"h1": "h3", "h2": "h4", "h3": "h5", "h4": "h6", "h5": "h6", "h6": "h6"}


class _DemoteHeadings(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            if element.tag in HEADING_SHIFT:
                element.tag = HEADING_SHIFT[element.tag]


class _DemoteHeadingsExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_DemoteHeadings(md), "lotsennetz_demote_headings", 5)


def _markdown(extensions=()) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "fenced_code",
            "tables",
            "sane_lists",
            _DemoteHeadingsExtension(),
            *extensions,
        ],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )


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
    from django.conf import settings
    from django.utils import translation

    from community.models import ERASED_MEMBER_NAME

    with translation.override(settings.LANGUAGE_CODE):
        return str(ERASED_MEMBER_NAME)


def erased_handles(handles) -> set[str]:
    """Those of ``handles`` that belonged to erased members (one query; none if empty)."""
    from community.models import ErasedHandle, handle_digest

    by_digest = {handle_digest(h): h for h in handles}
    if not by_digest:
        return set()
    found = ErasedHandle.objects.filter(digest__in=by_digest).values_list("digest", flat=True)
    return {by_digest[d] for d in found}


_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop a link whose scheme hides behind whitespace or control characters.

    ``java script:`` is no scheme to nh3 (a relative URL), but browsers strip
    tabs and newlines from URLs; without the noise it must be an allowed scheme.
    """
    if attribute == "href":
        scheme = _SCHEME.match(_URL_NOISE.sub("", value).lower())
        if scheme and scheme.group(1) not in URL_SCHEMES:
            return None
    return value


def sanitize_html(html: str) -> str:
    """Keep only the allow-list: no scripts, handlers, styles, ids or foreign schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values={"th": {"align": ALIGN_VALUES}, "td": {"align": ALIGN_VALUES}},
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_filter_attribute,
    )


def render_markdown(text: str, *, extensions=()) -> str:
    """Render Markdown source to sanitised HTML, safe to insert into a page as it is.

    ``extensions`` add python-markdown extensions (e.g. the forum's @mentions);
    their output passes the same allow-list.
    """
    if not text or not text.strip():
        return ""
    return sanitize_html(_markdown(extensions).convert(text))
