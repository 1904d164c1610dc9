"""Markdown to safe HTML, for every Markdown field of the platform.

Rendered once when a text is saved and stored as HTML, never per request.
python-markdown turns the text into HTML with a fixed set of extensions;
nh3 (ammonia) then keeps only an explicit allow-list. bleach, the former
standard, has had its final release and gets no security fixes any more.
"""

import re
from html import unescape

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import SimpleTagInlineProcessor
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
    "img",
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
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
# Table cells may carry exactly these alignments and nothing else.
ALIGN_VALUES = {"left", "center", "right"}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer ugc"

# Images only from the platform's own files (files/): ``/dateien/<uuid>/<name>``
# or its thumbnail; whether the reader may see the file is checked when the
# browser asks for it. Nothing from elsewhere (no tracking pixels, no data: URLs).
IMAGE_SOURCE = re.compile(
    r"^/dateien/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/"
    r"(vorschau/|(?!\.\.?$)[^/?#\\\s]+)$"
)


def allowed_image_source(src: str) -> bool:
    return bool(IMAGE_SOURCE.match(src or ""))


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


class _OwnImagesOnly(Treeprocessor):
    """An image from anywhere but /dateien/ becomes its description, as text."""

    def run(self, root):
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag != "img" or allowed_image_source(child.get("src", "")):
                    continue
                text = child.get("alt", "") + (child.tail or "")
                index = list(parent).index(child)
                parent.remove(child)
                if index == 0:
                    parent.text = (parent.text or "") + text
                else:
                    previous = parent[index - 1]
                    previous.tail = (previous.tail or "") + text


class _OwnImagesOnlyExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_OwnImagesOnly(md), "lotsennetz_own_images_only", 4)


class _StrikethroughExtension(Extension):
    """``~~text~~`` is struck through (``<del>``), as in GitHub's and most editors' Markdown.

    python-markdown has no such syntax of its own; its SimpleTagInlineProcessor
    does the work (higher priority than ``**``/``*``, so emphasis inside works;
    code spans, at a higher one still, keep their tildes).
    """

    def extendMarkdown(self, md):
        md.inlinePatterns.register(
            SimpleTagInlineProcessor(r"(~{2})(?!~)(.+?)(?<!~)~{2}", "del"), "lotsennetz_del", 75
        )


def _markdown(extensions=()) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "fenced_code",
            "tables",
            "sane_lists",
            _DemoteHeadingsExtension(),
            _OwnImagesOnlyExtension(),
            _StrikethroughExtension(),
            *extensions,
        ],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )


_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop a link whose scheme hides behind whitespace or control characters.

    ``java script:`` is no scheme to nh3 (a relative URL), but browsers strip
    tabs and newlines from URLs; without the noise it must be an allowed scheme.
    """
    if tag == "img" and attribute == "src":
        return value if allowed_image_source(value) else None
    if attribute == "href":
        scheme = _SCHEME.match(_URL_NOISE.sub("", value).lower())
        if scheme and scheme.group(1) not in URL_SCHEMES:
            return None
    return value


# An <img> as nh3 writes it (attribute values in double quotes, never containing one).
_IMG_TAG = re.compile(r'<img(?:\s+[a-z-]+(?:="[^"]*")?)*\s*/?>')


def _drop_sourceless_images(html: str) -> str:
    """An <img> whose source the filter removed (raw HTML from elsewhere) goes entirely."""
    return _IMG_TAG.sub(lambda tag: tag.group(0) if ' src="' in tag.group(0) else "", html)


def sanitize_html(html: str) -> str:
    """Keep only the allow-list: no scripts, handlers, styles, ids or foreign schemes."""
    return _drop_sourceless_images(_clean(html))


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values={"th": {"align": ALIGN_VALUES}, "td": {"align": ALIGN_VALUES}},
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_filter_attribute,
        set_tag_attribute_values={"img": {"loading": "lazy"}},
    )


def render_markdown(text: str, *, extensions=()) -> str:
    """Render Markdown source to sanitised HTML, safe to insert into a page as it is.

    ``extensions`` add python-markdown extensions (e.g. the forum's @mentions);
    their output passes the same allow-list.
    """
    if not text or not text.strip():
        return ""
    return sanitize_html(_markdown(extensions).convert(text))


# Where one block of text ends and the next begins: a space, not two words glued.
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|td|th|tr|blockquote|pre|div)>|<br\s*/?>|<hr\s*/?>", re.I)


def markdown_to_text(text: str) -> str:
    """Markdown source as one line of plain text (search snippets, previews).

    python-markdown renders it as for a page, nh3 strips every tag (the text
    of links and emphasis stays, no ``##``, ``- `` or ``[…](…)`` remains) and
    the entities are decoded: the result is text to escape, never HTML.
    """
    if not text or not text.strip():
        return ""
    html = _BLOCK_END.sub(" ", _markdown().convert(text))
    return " ".join(unescape(nh3.clean(html, tags=set(), strip_comments=True)).split())


def html_to_text(html: str) -> str:
    """Sanitised HTML as stored beside its Markdown source (``body_html`` and the like)
    as one line of plain text: what ``markdown_to_text`` makes of the source, without
    rendering the Markdown again (search snippets of many hits: nh3 alone costs a
    small fraction of python-markdown)."""
    if not html or not html.strip():
        return ""
    html = _BLOCK_END.sub(" ", html)
    return " ".join(unescape(nh3.clean(html, tags=set(), strip_comments=True)).split())


# Plain text from the sanitised HTML (well-formed, as nh3 writes it): paragraphs,
# headings, lists, tables and code end with an empty line; items, rows and breaks
# with a line end; a list item starts with a dash, table cells are set apart by " | ".
_PLAIN_AROUND_BLOCKS = re.compile(
    r"\s*(</?(?:ul|ol|li|p|table|thead|tbody|tr|t[dh]|h[1-6]|blockquote|hr|pre)\b[^>]*>)\s*", re.I
)
_ANY_LINE_BREAK = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_PLAIN_PARAGRAPH_END = re.compile(r"</(?:p|h[1-6]|blockquote|pre|ul|ol|table)>|<hr\s*/?>", re.I)
_PLAIN_LINE_END = re.compile(r"</(?:li|tr)>|<br\s*/?>", re.I)
_PLAIN_LIST_ITEM = re.compile(r"<li(?:\s[^>]*)?>", re.I)
_PLAIN_CELL_END = re.compile(r"</t[dh]>", re.I)
_PLAIN_TABLE_TAG = re.compile(r"</?(?:table|thead|tbody|tr|td|th)\b[^>]*>", re.I)
# A link as the allow-list writes it: its text, then its address if that says more.
_PLAIN_LINK = re.compile(r'<a\s[^>]*?href="([^"]*)"[^>]*>(.*?)</a>', re.I | re.S)


def _link_as_text(match: re.Match) -> str:
    href, label = unescape(match.group(1)), match.group(2)
    shown = unescape(nh3.clean(label, tags=set())).strip()
    if not href or href in (shown, f"mailto:{shown}") or href.startswith("/"):
        return label
    return f"{label} ({match.group(1)})"


def markdown_to_plain_text(text: str) -> str:
    """Markdown source as plain text with its lines (calendar files, e-mails).

    Unlike ``markdown_to_text`` (one line, for snippets) paragraphs stay apart
    by an empty line, line breaks and list items keep their own lines (items
    start with "- "), table cells are separated by " | ", and a link keeps its
    address in brackets. No ``**``, ``~~``, ``#`` or ``[…](…)`` remains; the
    result is text, never HTML.
    """
    if not text or not text.strip():
        return ""
    # Every kind of line break (CR, VT, FF, NEL, U+2028 …) is one, as the author saw it.
    text = _ANY_LINE_BREAK.sub("\n", text)
    html = _PLAIN_AROUND_BLOCKS.sub(r"\1", render_markdown(text))
    html = _PLAIN_LINK.sub(_link_as_text, html)
    html = _PLAIN_LIST_ITEM.sub("- ", html)
    html = _PLAIN_CELL_END.sub(" | ", html)
    html = _PLAIN_PARAGRAPH_END.sub("\n\n", html)
    html = _PLAIN_TABLE_TAG.sub("", _PLAIN_LINE_END.sub("\n", html))
    plain = unescape(nh3.clean(html, tags=set(), strip_comments=True))
    lines = [" ".join(line.split()).removesuffix(" |") for line in plain.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
