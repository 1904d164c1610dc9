from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    """The top floor (issue 17), beside privacy: the search index, the member search and
    the pages that search read every app; no app imports this one."""

    name = "directory"
    verbose_name = _("Verzeichnis")

    def ready(self):
        # late: the receivers import models, which are ready only now
        from directory import receivers

        receivers.connect()
