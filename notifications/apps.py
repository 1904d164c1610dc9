from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Benachrichtigungen")

    def ready(self):
        # late: receivers import the models, which need the app registry
        from notifications import (
            checks,  # noqa: F401 (registers the system checks)
            jobs,
            push,
            receivers,
            services,
        )

        receivers.connect()
        push.connect()
        jobs.register(services.MAIL_JOB, services._mail_immediately)
