from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Menschen & Kommunen")

    def ready(self):
        # Late: these modules import models, which exist only once the apps are loaded.
        from community import signals
        from community.authentication import api_token_for_key
        from community.models import ApiToken
        from core import ws_auth

        signals.connect()
        # Sockets check API tokens as the REST API does (core knows no app).
        ws_auth.register_token_auth(model=ApiToken, for_key=api_token_for_key)
