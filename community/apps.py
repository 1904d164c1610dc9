from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Menschen & Kommunen")

    def ready(self):
        # late: models can be imported only once the app registry is ready
        from community import access, signals
        from community.models import Project, User
        from files.registry import register_attachable

        signals.connect()
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
