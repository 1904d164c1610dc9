from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self):
        # late: models can be imported only once the app registry is ready
        from chat import access, checks  # noqa: F401 (checks registers the system checks)
        from chat.models import Message
        from files.registry import register_attachable

        # Files of a message answer to whoever may read the room (checked on every download).
        register_attachable(
            Message,
            can_view=access.can_see_message_files,
            can_manage=access.can_manage_message_files,
        )
