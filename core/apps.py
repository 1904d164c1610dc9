from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: helpers every app needs and that know no app (issue 17)."""

    name = "core"
