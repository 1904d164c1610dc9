"""System checks of the chat's settings: a typo in a room kind would keep history for ever."""

from django.conf import settings
from django.core import checks

from chat.models import RoomKind


@checks.register(checks.Tags.compatibility)
def check_retention_kinds(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    unknown = sorted(
        set(getattr(settings, "CHAT_RETENTION_DAYS_BY_KIND", {})) - set(RoomKind.values)
    )
    if not unknown:
        return []
    return [
        checks.Error(
            f"CHAT_RETENTION_DAYS_BY_KIND names unknown room kinds: {', '.join(unknown)}.",
            hint=f"Known kinds: {', '.join(RoomKind.values)}.",
            id="chat.E001",
        )
    ]
