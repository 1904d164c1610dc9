"""A project's chat room follows the project's members, as an event's room follows its people."""

import pytest

from chat.models import Room, RoomKind, RoomMembership
from community import services
from community.models import ProjectKind

pytestmark = pytest.mark.django_db


def room_of(project) -> Room:
    return Room.objects.get(kind=RoomKind.PROJECT, object_id=project.pk)


def members_of(room) -> set[str]:
    return set(
        RoomMembership.objects.filter(room=room, left_at__isnull=True).values_list(
            "member__display_name", flat=True
        )
    )


@pytest.fixture
def colleague(make_member, municipality):
    return make_member(municipality=municipality, display_name="Ben Becker")


@pytest.fixture
def project(member, colleague, municipality):
    project = services.project_create(
        created_by=member,
        municipality=municipality,
        title="Digitale Bauakte",
        kind=ProjectKind.EAKTE,
        members=[member, colleague],
    )
    services.project_invitation_accept(project=project, member=colleague)
    return project


def test_an_invited_colleague_joins_the_room_only_by_accepting(member, colleague, municipality):
    project = services.project_create(
        created_by=member,
        municipality=municipality,
        title="Digitale Bauakte",
        kind=ProjectKind.EAKTE,
        members=[member, colleague],
    )
    assert members_of(room_of(project)) == {"Anna Schmidt"}
    services.project_invitation_accept(project=project, member=colleague)
    assert members_of(room_of(project)) == {"Anna Schmidt", "Ben Becker"}


def test_a_new_project_gets_a_room_of_its_members(project):
    room = room_of(project)
    assert room.name == "Digitale Bauakte"
    assert members_of(room) == {"Anna Schmidt", "Ben Becker"}


def test_members_who_leave_the_project_leave_its_room(project, member):
    services.project_update(project=project, members=[member], title="Bauakte digital")
    room = room_of(project)
    assert members_of(room) == {"Anna Schmidt"}
    assert room.name == "Bauakte digital"


def test_the_project_page_links_its_room_for_members_only(project, client, member, make_member):
    client.force_login(member)
    page = client.get(project.get_absolute_url()).content.decode()
    assert f"/chat/{room_of(project).slug}/" in page

    client.force_login(make_member(municipality=project.municipality))
    assert (
        f"/chat/{room_of(project).slug}/"
        not in client.get(project.get_absolute_url()).content.decode()
    )


def test_a_deleted_project_closes_its_room(project):
    room = room_of(project)
    services.project_delete(project=project)
    room.refresh_from_db()
    assert room.is_closed
