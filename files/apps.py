from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    """Uploaded files: stored, checked and delivered; attached to objects of the apps above."""

    name = "files"
    verbose_name = _("Dateien")

    def ready(self):
        from files import signals  # noqa: F401 (connects the blob clean-up)
