from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self):
        # Late: models and services may be imported only once the apps are loaded.
        from chat import (
            checks,  # noqa: F401 (registers the system checks)
            receivers,
        )
        from community import hooks

        hooks.project_changed.connect(receivers.project_changed, dispatch_uid="chat-project-room")
        hooks.project_deleted.connect(
            receivers.project_deleted, dispatch_uid="chat-project-room-closed"
        )
