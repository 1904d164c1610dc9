"""community rings the bell only through its hooks; notifications listens (issue 17)."""

import pytest
from django.core import mail

from community import services as community_services
from community.models import ProjectInvitation
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_project_invitation_rings_the_invited_members_bell(
    member, make_member, municipality, django_capture_on_commit_callbacks
):
    greta = make_member(municipality=municipality, display_name="Greta Gast")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        project = community_services.project_create(
            created_by=member,
            municipality=municipality,
            title="Bauakte",
            kind="eakte",
            members=[member, greta],
        )
    assert ProjectInvitation.objects.filter(project=project, member=greta).exists()
    (note,) = Notification.objects.filter(recipient=greta)
    assert (note.kind, note.actor, note.url) == (
        "project.invitation",
        member,
        project.get_absolute_url(),
    )
    assert note.text == "Sie sind zum Projekt „Bauakte“ eingeladen."
    assert (note.thread_key, note.thread_title) == (f"project.{project.pk}", "Bauakte")
    # The creator is a member at once and hears nothing of it.
    assert not Notification.objects.filter(recipient=member).exists()
    assert [m.to for m in mail.outbox if "Bauakte" in m.subject] == [[greta.email]]
