"""What the bell hears from the layers below (connected in NotificationsConfig.ready)."""

from django.utils.translation import gettext as _

from community import hooks
from community.models import ProjectInvitation, User
from notifications.services import notification_create


def project_invited(sender, *, invitation: ProjectInvitation, by: User | None, **kwargs) -> None:
    """An invitation into a project rings the invited member's bell."""
    project = invitation.project
    notification_create(
        recipient=invitation.member,
        actor=by,
        kind="project.invitation",
        text=_("Sie sind zum Projekt „%(title)s“ eingeladen.") % {"title": project.title},
        url=project.get_absolute_url(),
        thread_key=f"project.{project.pk}",
        thread_title=project.title,
    )


def connect() -> None:
    hooks.project_invited.connect(project_invited, dispatch_uid="notifications-project-invited")
