from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Menschen & Kommunen")

    def ready(self):
        # Late: these modules import models, which exist only once the apps are loaded.
        from community import access, signals
        from community.authentication import api_token_for_key
        from community.models import ApiToken, Project, User
        from core import ws_auth
        from files.registry import register_attachable

        signals.connect()
        # Sockets check API tokens as the REST API does (core knows no app).
        ws_auth.register_token_auth(model=ApiToken, for_key=api_token_for_key)
        # Documents of a project answer to who may open it; a photo to every member.
        register_attachable(
            Project,
            can_view=access.can_see_project_files,
            can_manage=access.can_manage_project_files,
        )
        register_attachable(
            User,
            can_view=access.can_see_member_photo,
            can_manage=access.can_manage_member_photo,
        )
