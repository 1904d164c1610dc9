"""The bell in the header (the unread count, one indexed COUNT per page) and the push section."""

from django import template

from notifications import push, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return selectors.notification_unread_count(member=user)


@register.inclusion_tag("notifications/push_devices.html", takes_context=True)
def push_devices(context) -> dict:
    """The profile's section for Web Push on this device; the list is the API's (push.js)."""
    return {"enabled": push.push_enabled(), "public_key": push.public_key()}
