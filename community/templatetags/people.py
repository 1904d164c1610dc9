"""The directory's result card, built in Python: 25 of them per search page
cost a tenth of the page's time as template nodes (docs/performance.md)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def member_card(member, reasons) -> str:
    """A member in a search result: avatar, name, position and place, and why."""
    meta = ", ".join(part for part in (member.position, member.department) if part)
    if member.municipality:
        meta = format_html("{} · {}", meta, member.municipality.name)
    why = ""
    if reasons:
        why = format_html(
            '<p class="reasons"><span class="visually-hidden">{} </span>{}</p>',
            gettext("Warum:"),
            format_html_join(" · ", "{}", ((reason,) for reason in reasons)),
        )
    return format_html(
        '<li class="member-card"><span class="avatar" aria-hidden="true">{}</span><div>'
        '<a href="{}">{}</a><p class="meta">{}</p>{}</div></li>',
        member.initials,
        member.get_absolute_url(),
        member.display_name,
        meta,
        why,
    )
