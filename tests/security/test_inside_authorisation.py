"""The closed network holds against its own members (issue 16, "Authorisation inside").

Each test is an attack by a signed-in member on something of another
municipality or another person, built on the world of tests/security/world.py:
Wetzlar (Anna = member, Jonas = coordinator) and Gießen (Otto = other, Greta =
other2, Karl = other_coordinator).
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from chat.models import Room, RoomKind, RoomMembership
from community import selectors, services
from community.models import MemberSearchDocument, ProjectInvitation, User
from directory import selectors as directory_selectors
from events import services as event_services
from events.models import Event
from notifications.models import Notification
from tests.queries import assert_constant_queries
from tests.security.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def in_project_room(project, user) -> bool:
    return RoomMembership.objects.filter(
        room__kind=RoomKind.PROJECT,
        room__object_id=project.pk,
        member=user,
        left_at__isnull=True,
    ).exists()


def evidence_of(user) -> dict:
    return MemberSearchDocument.objects.get(member=user).evidence


# --- events: the audience, not only the host, is checked ----------------------------------
WETZLAR_ONLY = {
    "title": "Untergeschoben",
    "starts_at": "2027-03-01T10:00:00+01:00",
    "ends_at": "2027-03-01T12:00:00+01:00",
    "audience": "municipality",
}


def test_a_coordinator_of_another_municipality_cannot_publish_into_its_internal_calendar(w):
    karl = w.users["other_coordinator"]
    response = api_as(karl).post(
        "/api/events/", {**WETZLAR_ONLY, "audience_municipality": w.wetzlar.slug}, format="json"
    )
    assert response.status_code == 403, response.content
    assert not Event.objects.filter(title="Untergeschoben").exists()
    calendar = api_as(w.users["member"]).get("/api/events/").content.decode()
    assert "Untergeschoben" not in calendar


def test_a_coordinator_of_another_municipality_cannot_move_an_event_into_its_calendar(w):
    karl = w.users["other_coordinator"]
    own = api_as(karl).post(
        "/api/events/", {**WETZLAR_ONLY, "audience_municipality": w.giessen.slug}, format="json"
    )
    assert own.status_code == 201, own.content
    moved = api_as(karl).patch(
        f"/api/events/{own.json()['id']}/",
        {"audience_municipality": w.wetzlar.slug},
        format="json",
    )
    assert moved.status_code == 403, moved.content
    assert Event.objects.get(pk=own.json()["id"]).audience_municipality == w.giessen


def test_the_event_form_refuses_another_municipalitys_audience(w):
    karl = w.users["other_coordinator"]
    response = page_as(karl).post(
        "/termine/neu/",
        {
            "title": "Untergeschoben",
            "kind": "workshop",
            "starts_at": "2027-03-27T10:00",
            "ends_at": "2027-03-27T12:00",
            "timezone": "Europe/Berlin",
            "format": "in_person",
            "audience": "municipality",
            "audience_municipality": str(w.wetzlar.pk),
        },
    )
    assert response.status_code == 200
    assert "audience_municipality" in response.context["form"].errors
    assert not Event.objects.filter(title="Untergeschoben").exists()


def test_the_service_refuses_another_municipalitys_audience_whoever_calls_it(w):
    starts = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as excinfo:
        event_services.event_create(
            created_by=w.users["other_coordinator"],
            title="Untergeschoben",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            audience="municipality",
            audience_municipality=w.wetzlar,
            hosting_municipality=w.giessen,
        )
    assert "audience" in excinfo.value.message_dict


def test_a_coordinator_still_publishes_for_the_own_municipality_and_the_network(w):
    jonas = w.users["coordinator"]
    for extra in ({"audience_municipality": w.wetzlar.slug}, {"audience": "network"}):
        response = api_as(jonas).post("/api/events/", {**WETZLAR_ONLY, **extra}, format="json")
        assert response.status_code == 201, response.content


# --- forum: a thread that links a project shows only what the viewer may see --------------
def test_a_thread_linked_to_an_unpublished_project_does_not_show_its_title_elsewhere(w):
    assert w.thread.project == w.draft
    for role in ("other", "other2", "other_coordinator", "moderator"):
        page = page_as(w.users[role]).get(f"/forum/thema/{w.thread.pk}/?seite=1")
        assert page.status_code == 200
        assert "Geheimer Entwurf" not in page.content.decode(), role
        data = api_as(w.users[role]).get(f"/api/forum/threads/{w.thread.pk}/").json()
        assert data["project"] is None, role
        listed = api_as(w.users[role]).get("/api/forum/threads/").json()["results"]
        assert all(t["project"] is None for t in listed), role


def test_the_members_of_the_projects_municipality_still_see_the_linked_draft(w):
    page = page_as(w.users["coordinator"]).get(f"/forum/thema/{w.thread.pk}/?seite=1")
    assert "Geheimer Entwurf Wetzlar" in page.content.decode()
    data = api_as(w.users["coordinator"]).get(f"/api/forum/threads/{w.thread.pk}/").json()
    assert data["project"] == w.draft.pk


# --- projects: adding a person is an invitation they accept ---------------------------------
def test_a_member_cannot_make_someone_a_project_member_without_their_consent(w):
    anna, greta = w.users["member"], w.users["other2"]
    response = api_as(anna).post(
        "/api/projects/",
        {
            "title": "Bauakte",
            "kind": "eakte",
            "municipality": w.wetzlar.slug,
            "tools": ["enaio"],
            "members": [anna.pk, greta.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    project_id = response.json()["id"]
    # The creator is a member at once; Greta is only invited.
    assert response.json()["members"] == [anna.pk]
    assert evidence_of(greta) == {}
    assert not directory_selectors.member_search(viewer=anna, tool="enaio").members.count() > 1
    room = Room.objects.get(kind=RoomKind.PROJECT, object_id=project_id)
    assert not RoomMembership.objects.filter(room=room, member=greta).exists()
    page = page_as(w.users["other"]).get(f"/projekte/{project_id}/").content.decode()
    assert "Greta" not in page
    assert Notification.objects.filter(recipient=greta, kind="project.invitation").exists()


def test_an_invited_member_who_accepts_counts_as_member_everywhere(w):
    otto = w.users["other"]  # invited into w.project by Anna (see world)
    assert otto.pk not in api_as(otto).get(f"/api/projects/{w.project.pk}/").json()["members"]
    assert not in_project_room(w.project, otto)
    assert evidence_of(otto) == {}
    page = page_as(otto).get(f"/projekte/{w.project.pk}/").content.decode()
    assert "Annehmen" in page
    response = api_as(otto).post(f"/api/projects/{w.project.pk}/invitation/accept/")
    assert response.status_code == 200, response.content
    assert otto.pk in response.json()["members"]
    assert in_project_room(w.project, otto)
    assert evidence_of(otto).get(f"t{w.tool.pk}") == 1
    assert not ProjectInvitation.objects.filter(member=otto).exists()


def test_an_invited_member_may_decline_on_the_project_page(w):
    otto = w.users["other"]
    response = page_as(otto).post(f"/projekte/{w.project.pk}/einladung/ablehnen/")
    assert response.status_code == 302
    assert not ProjectInvitation.objects.filter(member=otto).exists()
    assert not w.project.members.filter(pk=otto.pk).exists()
    assert not in_project_room(w.project, otto)


def test_nobody_but_the_invited_member_answers_an_invitation(w):
    for role in ("other2", "other_coordinator", "member", "coordinator", "admin"):
        for answer in ("annehmen", "ablehnen"):
            page = page_as(w.users[role]).post(f"/projekte/{w.project.pk}/einladung/{answer}/")
            assert page.status_code == 404, (role, answer)
        api = api_as(w.users[role]).post(f"/api/projects/{w.project.pk}/invitation/accept/")
        assert api.status_code == 404, role
    assert ProjectInvitation.objects.filter(member=w.users["other"]).exists()
    assert not w.project.members.filter(pk=w.users["admin"].pk).exists()


def test_editing_a_project_keeps_open_invitations_and_adds_nobody(w):
    anna, otto = w.users["member"], w.users["other"]
    response = api_as(anna).patch(
        f"/api/projects/{w.project.pk}/", {"title": "E-Akte im Bürgerbüro (2)"}, format="json"
    )
    assert response.status_code == 200
    assert ProjectInvitation.objects.filter(member=otto, project=w.project).exists()
    assert response.json()["members"] == [anna.pk]


def test_the_project_form_invites_instead_of_adding(w):
    jonas, anna = w.users["coordinator"], w.users["member"]
    response = page_as(jonas).post(
        "/projekte/neu/",
        {"title": "Formularprojekt", "kind": "eakte", "status": "planned", "members": [anna.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    project = selectors.project_list(viewer=jonas).get(title="Formularprojekt")
    assert list(project.members.all()) == [jonas]
    assert ProjectInvitation.objects.filter(project=project, member=anna).exists()


# --- invited addresses are not members until they accept ----------------------------------
@pytest.fixture
def invited(w):
    return services.member_invite(
        invited_by=w.users["coordinator"],
        email="neu.eingeladen@wetzlar.de",
        display_name="Nora Neuling",
        municipality=w.wetzlar,
    )


def test_an_invited_address_is_not_in_the_directory_before_it_accepts(w, invited):
    viewer = w.users["other"]
    assert "Nora Neuling" not in page_as(viewer).get("/menschen/").content.decode()
    assert "Nora Neuling" not in page_as(viewer).get("/menschen/?q=Nora").content.decode()
    assert page_as(viewer).get(f"/menschen/{invited.handle}/").status_code == 404
    listed = api_as(viewer).get("/api/members/?q=Nora").json()["results"]
    assert listed == []
    assert api_as(viewer).get(f"/api/members/{invited.pk}/").status_code == 404


def test_an_invited_address_cannot_be_messaged_before_it_accepts(w, invited):
    viewer = w.users["other"]
    page = page_as(viewer).post(f"/chat/direkt/{invited.handle}/")
    assert page.status_code == 404
    api = api_as(viewer).post("/api/chat/direct/", {"members": [invited.handle]}, format="json")
    assert api.status_code == 400
    assert not Room.objects.filter(kind=RoomKind.DIRECT, memberships__member=invited).exists()


def test_an_invited_address_cannot_be_added_to_a_project(w, invited):
    anna = w.users["member"]
    response = api_as(anna).patch(
        f"/api/projects/{w.project.pk}/", {"members": [anna.pk, invited.pk]}, format="json"
    )
    assert response.status_code == 400
    assert not ProjectInvitation.objects.filter(member=invited).exists()


def test_an_invited_address_becomes_a_member_by_accepting(w, invited):
    token = services.invitation_send(member=invited, invited_by=w.users["coordinator"])
    services.invitation_accept(token=token, password="ein-langes-neues-Passwort-42")
    viewer = w.users["other"]
    assert page_as(viewer).get(f"/menschen/{invited.handle}/").status_code == 200
    assert page_as(viewer).post(f"/chat/direkt/{invited.handle}/").status_code == 302


def test_an_invited_address_is_inactive_until_it_accepts(invited):
    invited.refresh_from_db()
    assert not invited.is_active
    assert not User.objects.get(pk=invited.pk).search_document.is_active


def test_the_project_list_of_the_api_has_constant_queries_with_invitations(
    w, django_assert_num_queries
):
    anna = w.users["member"]
    client = api_as(anna)
    people = [w.users["coordinator"], w.users["other2"], w.users["other_coordinator"]]

    def grow():
        for n, person in enumerate(people):
            services.project_create(
                created_by=anna,
                municipality=w.wetzlar,
                title=f"Projekt {n}",
                kind="eakte",
                members=[anna, person],
            )

    assert_constant_queries(client, "/api/projects/", grow, django_assert_num_queries, status=200)


def test_the_project_form_keeps_open_invitations_of_people_elsewhere_when_saved(w):
    anna, otto = w.users["member"], w.users["other"]
    form = page_as(anna).get(f"/projekte/{w.project.pk}/bearbeiten/").context["form"]
    assert otto.pk in form.initial["members"]
    assert form.fields["members"].queryset.filter(pk=otto.pk).exists()
    response = page_as(anna).post(
        f"/projekte/{w.project.pk}/bearbeiten/",
        {
            "title": w.project.title,
            "kind": w.project.kind,
            "status": w.project.status,
            "is_published": "on",
            "tools": "enaio",
            "members": [anna.pk, otto.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProjectInvitation.objects.filter(project=w.project, member=otto).exists()
    assert not w.project.members.filter(pk=otto.pk).exists()


def test_the_migration_makes_invitations_that_were_never_accepted_wait(w):
    """Accounts invited before this change were active; the migration stops that."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("community.migrations.0011_project_invitations")
    waiting = services.member_create(
        email="alt.eingeladen@wetzlar.de", display_name="Alt Eingeladen", municipality=w.wetzlar
    )
    services.invitation_send(member=waiting, invited_by=w.users["coordinator"])
    migration.invited_accounts_wait(apps, None)
    waiting.refresh_from_db()
    assert not waiting.is_active
    assert not MemberSearchDocument.objects.get(member=waiting).is_active
    for role in ("member", "coordinator", "other"):  # accounts with a password stay
        w.users[role].refresh_from_db()
        assert w.users[role].is_active
