from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The start page (issue 20): the top floor beside privacy and directory, because its
    "what is new" reads forum, chat, events, notifications and community; no app imports it."""

    name = "home"
    verbose_name = _("Startseite")
