"""Community sends project hooks; chat keeps the project room in step (issue 17)."""

import pytest

from chat.models import Room, RoomKind
from community import hooks, services
from community.models import Project, ProjectKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    calls = []

    def changed(sender, project, **kwargs):
        calls.append(("changed", project.title))

    def deleted(sender, project, **kwargs):
        calls.append(("deleted", Project.objects.filter(pk=project.pk).exists()))

    hooks.project_changed.connect(changed, dispatch_uid="test-changed")
    hooks.project_deleted.connect(deleted, dispatch_uid="test-deleted")
    yield calls
    hooks.project_changed.disconnect(dispatch_uid="test-changed")
    hooks.project_deleted.disconnect(dispatch_uid="test-deleted")


def new_project(member, municipality, **fields):
    return services.project_create(
        created_by=member,
        municipality=municipality,
        title="Digitale Bauakte",
        kind=ProjectKind.EAKTE,
        **fields,
    )


def test_every_project_write_sends_its_hook(sent, member, make_member, municipality):
    colleague = make_member(municipality=municipality)
    project = new_project(member, municipality, members=[colleague])
    services.project_invitation_accept(project=project, member=colleague)
    services.project_update(project=project, title="Bauakte digital")
    services.project_delete(project=project)

    assert sent == [
        ("changed", "Digitale Bauakte"),
        ("changed", "Digitale Bauakte"),
        ("changed", "Bauakte digital"),
        ("deleted", True),  # before the row goes: receivers still find the project
    ]


def test_a_failing_receiver_fails_the_project_write_too(member, municipality):
    """Sent inside the transaction: the project and its room are saved together or not at all."""

    def broken(sender, project, **kwargs):
        raise RuntimeError("room store down")

    hooks.project_changed.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError):
            new_project(member, municipality)
    finally:
        hooks.project_changed.disconnect(dispatch_uid="test-broken")
    assert not Project.objects.exists()
    assert not Room.objects.filter(kind=RoomKind.PROJECT).exists()


def test_chat_keeps_the_room_through_its_receivers(member, municipality):
    project = new_project(member, municipality)
    room = Room.objects.get(kind=RoomKind.PROJECT, object_id=project.pk)
    services.project_delete(project=project)
    room.refresh_from_db()
    assert room.is_closed
