"""The bell in the header: the unread count, one indexed COUNT per page."""

from django import template

from notifications import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return selectors.notification_unread_count(member=user)
