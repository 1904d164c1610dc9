"""How much of the member's file quota is used, for the own profile page."""

from django import template
from django.conf import settings

from files.selectors import usage_of

register = template.Library()


@register.simple_tag
def file_usage(member) -> dict:
    """``used`` and ``quota`` in bytes, ``percent`` (0–100) of the quota used."""
    used = usage_of(member)
    quota = settings.FILES_QUOTA_BYTES
    percent = min(100, round(used * 100 / quota)) if quota else 100
    return {"used": used, "quota": quota, "percent": percent}
