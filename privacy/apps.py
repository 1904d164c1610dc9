from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The top floor (issue 17): export and erasure read every app; no app imports this one."""

    name = "privacy"
    verbose_name = _("Datenschutz")

    def ready(self):
        # Late: the admin module imports models, which exist only once the apps are loaded.
        from privacy import admin

        admin.register_actions()
