"""Documents of projects: who adds them (keepers, people taking part), who sees them (a draft:
its municipality and its people only), deleting the project deletes them, what lists cost."""

import pytest

from community import services
from tests.files.attach import gone, pdf, statuses, upload
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(member, municipality):
    return services.project_create(
        created_by=member, municipality=municipality, title="E-Akte", kind="tool"
    )


def test_a_project_takes_documents_on_creation_and_replaces_them_on_edit(
    member_api, member, municipality
):
    concept, plan = pdf(member, name="Konzept.pdf"), pdf(member, name="Plan.pdf")
    response = member_api.post(
        "/api/projects/",
        {
            "title": "Rollout",
            "kind": "tool",
            "municipality": municipality.slug,
            "attachments": [str(concept.pk)],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert [f["name"] for f in response.json()["attachments"]] == ["Konzept.pdf"]
    pk = response.json()["id"]
    response = member_api.patch(
        f"/api/projects/{pk}/", {"attachments": [str(plan.pk)]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [f["name"] for f in response.json()["attachments"]] == ["Plan.pdf"]
    assert gone(concept)


def test_a_member_from_elsewhere_taking_part_adds_documents(
    api_client, project, member, make_member, make_municipality
):
    partner = make_member(municipality=make_municipality())
    services.project_update(project=project, members=[member, partner], by=member)
    services.project_invitation_accept(project=project, member=partner)
    file = pdf(partner)
    api_client.force_authenticate(partner)
    response = api_client.post(
        f"/api/projects/{project.pk}/attachments/", {"attachments": [str(file.pk)]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [f["id"] for f in response.json()["attachments"]] == [str(file.pk)]
    # Editing the project stays with its municipality.
    assert (
        api_client.patch(
            f"/api/projects/{project.pk}/", {"attachments": []}, format="json"
        ).status_code
        == 403
    )


def test_an_outsider_adds_no_documents(api_client, project, make_member, make_municipality):
    outsider = make_member(municipality=make_municipality())
    api_client.force_authenticate(outsider)
    response = api_client.post(
        f"/api/projects/{project.pk}/attachments/",
        {"attachments": [str(upload(outsider).pk)]},
        format="json",
    )
    assert response.status_code == 403


def test_a_drafts_documents_are_404_for_other_municipalities(
    api_client, client, member, municipality, make_member, make_municipality
):
    draft = services.project_create(
        created_by=member,
        municipality=municipality,
        title="Geheim",
        kind="tool",
        is_published=False,
    )
    file = pdf(member)
    services.project_update(project=draft, attachments=[file.pk], by=member)
    colleague = make_member(municipality=municipality)
    stranger = make_member(municipality=make_municipality())
    assert statuses(api_client, client, colleague, file) == (200, 200)
    assert statuses(api_client, client, stranger, file) == (404, 404)
    # Published, the network sees it.
    services.project_update(project=draft, is_published=True, by=member)
    assert statuses(api_client, client, stranger, file) == (200, 200)


def test_deleting_a_project_deletes_its_documents(member_api, project, member):
    file = pdf(member)
    services.project_update(project=project, attachments=[file.pk], by=member)
    assert member_api.delete(f"/api/projects/{project.pk}/").status_code == 204
    assert gone(file)


def test_the_project_page_lists_documents_and_the_form_adds_some(client, project, member):
    file = pdf(member, name="Zeitplan.pdf")
    services.project_update(project=project, attachments=[file.pk], by=member)
    client.force_login(member)
    page = client.get(f"/projekte/{project.pk}/").content.decode()
    assert "Zeitplan.pdf" in page
    more = upload(member)
    response = client.post(f"/projekte/{project.pk}/unterlagen/", {"attachments": [str(more.pk)]})
    assert response.status_code == 302
    assert {f.pk for f in project.attachments.all()} == {file.pk, more.pk}


def test_the_project_edit_page_keeps_documents_it_does_not_send(client, project, member):
    file = pdf(member)
    services.project_update(project=project, attachments=[file.pk], by=member)
    project.refresh_from_db()
    client.force_login(member)
    response = client.post(
        f"/projekte/{project.pk}/bearbeiten/",
        {
            "title": "E-Akte 2",
            "kind": "tool",
            "status": project.status,
            "version": project.version,
            "is_published": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not gone(file)


def test_the_project_list_costs_the_same_with_documents(
    member_api, member, municipality, django_assert_num_queries
):
    services.project_create(created_by=member, municipality=municipality, title="A", kind="tool")

    def grow():
        for n in range(10):
            project = services.project_create(
                created_by=member, municipality=municipality, title=f"P{n}", kind="tool"
            )
            services.project_update(
                project=project, attachments=[pdf(member).pk, upload(member).pk], by=member
            )

    assert_constant_queries(
        member_api, "/api/projects/", grow, django_assert_num_queries, status=200
    )
