from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The top floor (issue 17): export and erasure read every app; no app imports this one."""

    name = "privacy"
    verbose_name = _("Datenschutz")

    def ready(self):
        from privacy import admin

        admin.register_actions()
