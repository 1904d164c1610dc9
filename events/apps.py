from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Termine")

    def ready(self):
        # late: models can be imported only once the app registry is ready
        from events import access
        from events.models import Event
        from files.registry import register_attachable

        # Documents of an event answer to whoever may see it (an internal event: its audience).
        register_attachable(
            Event,
            can_view=access.can_see_event_files,
            can_manage=access.can_manage_event_files,
        )
