"""Search snippets in templates: Markdown source made plain, cut around the hit, marked."""

from django import template
from django.utils.safestring import SafeString

from core.markdown import markdown_to_text
from core.search_text import query_terms
from core.snippets import highlight, snippet

register = template.Library()


@register.simple_tag
def search_snippet(markdown_source: str, q: str) -> SafeString:
    """The part of a Markdown text around the words of ``q``, as escaped text with <mark>."""
    terms = query_terms(q or "")
    return highlight(snippet(markdown_to_text(markdown_source), terms), terms)
