"""Forum pieces for other apps' templates (the expertise page lists its threads)."""

from django import template

from forum import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def forum_threads_for_tag(context, expertise, limit: int = 10):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return selectors.threads_for_tag(viewer=request.user, tag=expertise, limit=limit)
