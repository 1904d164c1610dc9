"""The directory's result card, built in Python: 25 of them per search page
cost a tenth of the page's time as template nodes (docs/performance.md)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def avatar(member, size: str = "") -> str:
    """A member's avatar: the square photo, or the initials where there is none.

    ``size``: "" (the normal one) or "large". Decorative (the name stands next to
    it), so the image has an empty alt text. ``member`` None: a deleted account ("?").
    """
    css = "avatar avatar-large" if size == "large" else "avatar"
    url = getattr(member, "photo_url", None) if member is not None else None
    if url:
        return format_html(
            '<span class="{} avatar-photo" aria-hidden="true"><img src="{}" alt="" '
            'loading="lazy" width="64" height="64"></span>',
            css,
            url,
        )
    initials = member.initials if member is not None else "?"
    return format_html('<span class="{}" aria-hidden="true">{}</span>', css, initials)


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
        '<li class="member-card">{}<div><a href="{}">{}</a><p class="meta">{}</p>{}</div></li>',
        avatar(member),
        member.get_absolute_url(),
        member.display_name,
        meta,
        why,
    )
