from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self):
        # Late: models and services may be imported only once the apps are loaded.
        from chat import (
            access,
            checks,  # noqa: F401 (registers the system checks)
            receivers,
        )
        from chat.models import Message
        from community import hooks
        from files.registry import register_attachable

        # Files of a message answer to whoever may read the room (checked on every download).
        register_attachable(
            Message,
            can_view=access.can_see_message_files,
            can_manage=access.can_manage_message_files,
        )
        hooks.project_changed.connect(receivers.project_changed, dispatch_uid="chat-project-room")
        hooks.project_deleted.connect(
            receivers.project_deleted, dispatch_uid="chat-project-room-closed"
        )
