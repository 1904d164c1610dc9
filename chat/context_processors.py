"""What chat adds to every page: the unread count of the navigation's "Chat" item.

A context processor (configured in settings) rather than a tag in the base
template, so no template of a lower layer loads anything of chat.
"""

from chat import selectors


def navigation(request):
    """``chat_unread_rooms``: asked (one COUNT) only by a page that shows it, once."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counted: list[int] = []

    def chat_unread_rooms() -> int:
        if not counted:
            counted.append(selectors.unread_room_count(member=user))
        return counted[0]

    return {"chat_unread_rooms": chat_unread_rooms}
