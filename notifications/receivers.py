"""What the bell hears from the layers below (connected in NotificationsConfig.ready)."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community import hooks
from community.models import OidcProvider, ProjectInvitation, Role, User
from notifications import texts
from notifications.services import notification_create, notify_members


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


def oidc_proposed(sender, *, provider: OidcProvider, by: User | None, **kwargs) -> None:
    """A coordinator's proposal for an identity provider rings every administrator's bell,
    with a link to the proposal in the admin, where they approve or reject it."""
    admins = User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
    notify_members(
        recipients=admins.values("pk"),
        actor=by,
        kind="oidc.proposal",
        text=texts.later(
            gettext_noop(
                "Die Koordination von %(municipality)s schlägt einen Identitätsanbieter "
                "vor; bitte prüfen und freigeben oder ablehnen."
            ),
            municipality=provider.municipality.name,
        ),
        url=reverse("admin:community_oidcprovider_change", args=[provider.pk]),
        object_key=f"oidcprovider.{provider.pk}",
    )


def connect() -> None:
    hooks.project_invited.connect(project_invited, dispatch_uid="notifications-project-invited")
    hooks.oidc_proposed.connect(oidc_proposed, dispatch_uid="notifications-oidc-proposed")
