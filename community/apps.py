from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Menschen & Kommunen")

    def ready(self):
        from community import signals

        signals.connect()
