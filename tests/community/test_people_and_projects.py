"""Menschen & Projekte: expertise, qualifications, the project registry, its pages and API."""

import pytest

from community import services
from community.models import Level, Project, ProjectKind, Qualification, Tool
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(member, municipality):
    return services.project_create(
        created_by=member,
        municipality=municipality,
        title="Einführung enaio",
        kind=ProjectKind.EAKTE,
        tools=["enaio", "Scanner-Straße"],
        members=[member],
        body="Wir führen **enaio** ein.",
        lessons_learned="Früh schulen.",
        links=[("https://wetzlar.example/e-akte", "Projektseite")],
    )


# --- expertise --------------------------------------------------------------------
def test_the_taxonomy_is_seeded_and_listed(member_api):
    body = member_api.get("/api/expertise/").json()
    slugs = [e["slug"] for e in body]
    assert len(slugs) >= 15
    assert {"e-akte-dms", "ozg-onlinedienste", "ki-verwaltung", "digitale-dienstplanung"} <= set(
        slugs
    )
    assert all(e["name"] and e["description"] for e in body)


def test_member_declares_expertise_and_learning_wishes_through_me(member_api, member):
    response = member_api.patch(
        "/api/members/me/",
        {"expertise": [{"slug": "e-akte-dms", "level": "expert"}], "learning": ["ki-verwaltung"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["expertise"] == [{"slug": "e-akte-dms", "level": "expert"}]
    assert response.json()["learning"] == ["ki-verwaltung"]
    # A second PATCH replaces the list.
    response = member_api.patch(
        "/api/members/me/",
        {"expertise": [{"slug": "datenschutz", "level": "basic"}]},
        format="json",
    )
    assert response.json()["expertise"] == [{"slug": "datenschutz", "level": "basic"}]
    assert response.json()["learning"] == ["ki-verwaltung"]


@pytest.mark.parametrize(
    "expertise",
    [
        [{"slug": "gibt-es-nicht", "level": "expert"}],
        [{"slug": "e-akte-dms", "level": "guru"}],
        [{"slug": "e-akte-dms"}],
        "e-akte-dms",
    ],
)
def test_bad_expertise_is_a_400_and_keeps_the_old_entries(member_api, member, expertise):
    services.member_set_expertise(member=member, expertise={"datenschutz": Level.BASIC})
    response = member_api.patch("/api/members/me/", {"expertise": expertise}, format="json")
    assert response.status_code == 400
    assert "expertise" in response.json()
    assert [e.expertise.slug for e in member.expertise_entries.all()] == ["datenschutz"]


def test_expertise_form_saves_levels_and_wishes(member_client, member):
    response = member_client.post(
        "/profil/erfahrung/",
        {"level_e-akte-dms": "3", "level_datenschutz": "", "learn_smart-city": "on"},
    )
    assert response.status_code == 302
    assert {e.expertise.slug: e.level for e in member.expertise_entries.all()} == {"e-akte-dms": 3}
    assert [e.slug for e in member.learning_interests.all()] == ["smart-city"]


# --- qualification ------------------------------------------------------------------
def test_coordinator_confirms_a_qualification_of_the_own_municipality(client, member, coordinator):
    qualification = services.qualification_add(
        member=member, programme="Digitallotsen-Seminar Hessen", cohort="2026/1"
    )
    client.force_login(coordinator)
    response = client.post(f"/qualifizierung/{qualification.pk}/bestaetigen/")
    assert response.status_code == 302
    qualification.refresh_from_db()
    assert qualification.confirmed_by == coordinator
    page = client.get(member.get_absolute_url()).content.decode()
    assert "Digitallotsen-Seminar Hessen" in page and "bestätigt von Jonas Weber" in page


def test_others_cannot_confirm_a_qualification(client, member, make_member, make_municipality):
    from community.models import Role

    qualification = services.qualification_add(member=member, programme="Seminar")
    foreign_coordinator = make_member(municipality=make_municipality(), role=Role.COORDINATOR)
    for user in (member, foreign_coordinator):
        client.force_login(user)
        assert client.post(f"/qualifizierung/{qualification.pk}/bestaetigen/").status_code == 403
    assert not Qualification.objects.get(pk=qualification.pk).is_confirmed


def test_member_adds_a_qualification(member_client, member):
    response = member_client.post(
        "/profil/qualifizierung/",
        {
            "programme": "Modulprogramm Marburg",
            "cohort": "",
            "completed_on": "2026-03-01",
            "appointed_on": "",
        },
    )
    assert response.status_code == 302
    assert member.qualifications.get().programme == "Modulprogramm Marburg"


# --- projects: API ----------------------------------------------------------------------
def test_project_is_created_through_the_api_with_normalised_tools(member_api, member, municipality):
    response = member_api.post(
        "/api/projects/",
        {
            "title": "E-Akte im Bürgerbüro",
            "kind": "eakte",
            "status": "running",
            "municipality": municipality.slug,
            "body": "# Ziel\nAlles digital.",
            "tools": ["enaio", "Enaio", " ENAIO "],
            "members": [member.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["tools"] == ["enaio"]
    assert body["body_html"] == "<h3>Ziel</h3>\n<p>Alles digital.</p>"
    assert Tool.objects.count() == 1


def test_only_members_of_the_municipality_and_admins_create_and_edit_its_projects(
    api_client, member, make_member, make_municipality, admin_member, municipality, project
):
    outsider = make_member(municipality=make_municipality(name="Fulda", domains=["fulda.example"]))
    api_client.force_authenticate(outsider)
    payload = {"title": "Fremd", "kind": "other", "municipality": municipality.slug}
    assert api_client.post("/api/projects/", payload, format="json").status_code == 403
    assert (
        api_client.patch(f"/api/projects/{project.pk}/", {"title": "X"}, format="json").status_code
        == 403
    )
    assert api_client.delete(f"/api/projects/{project.pk}/").status_code == 403
    api_client.force_authenticate(admin_member)
    response = api_client.patch(f"/api/projects/{project.pk}/", {"status": "done"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "done"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "eakte"}, "title"),
        ({"title": "X", "kind": "nope"}, "kind"),
        ({"title": "X" * 201, "kind": "eakte"}, "title"),
        (
            {"title": "X", "kind": "eakte", "started_on": "2026-05-01", "ended_on": "2026-01-01"},
            "non_field_errors",
        ),
        ({"title": "X", "kind": "eakte", "members": [999999]}, "members"),
        ({"title": "X", "kind": "eakte", "tools": [""]}, "tools"),
        ({"title": "X", "kind": "eakte", "links": [{"url": "javascript:alert(1)"}]}, "url"),
        ({"title": "X", "kind": "eakte", "municipality": "nirgendwo"}, "municipality"),
    ],
)
def test_bad_project_input_is_a_400_naming_the_field_and_stores_nothing(
    member_api, municipality, payload, field
):
    payload = {"municipality": municipality.slug, **payload}
    response = member_api.post("/api/projects/", payload, format="json")
    assert response.status_code == 400
    assert field in str(response.json()), response.json()
    assert not Project.objects.exists()


def test_project_list_filters(member_api, project, member, make_municipality):
    fulda = make_municipality(name="Fulda", state="HE", domains=["fulda.example"])
    services.project_create(
        created_by=None, municipality=fulda, title="Tablets im Bauhof", kind="tool", tools=["iPad"]
    )

    def titles(query):
        return [p["title"] for p in member_api.get("/api/projects/" + query).json()["results"]]

    assert titles("?tool=ENAIO") == ["Einführung enaio"]
    assert titles("?kind=tool") == ["Tablets im Bauhof"]
    assert titles("?municipality=fulda") == ["Tablets im Bauhof"]
    assert titles("?q=schulen") == ["Einführung enaio"]
    assert member_api.get("/api/projects/?kind=nope").status_code == 400


def test_project_list_runs_a_fixed_number_of_queries(
    member_api, member, municipality, django_assert_num_queries
):
    def grow():
        for n in range(8):
            services.project_create(
                created_by=member,
                municipality=municipality,
                title=f"Projekt {n}",
                kind="other",
                tools=[f"Werkzeug {n}", "enaio"],
                members=[member],
                links=[(f"https://x.example/{n}", "")],
            )

    grow()
    assert_constant_queries(
        member_api, "/api/projects/", grow, django_assert_num_queries, status=200
    )


def test_drafts_are_visible_only_to_their_municipality(
    api_client, member, municipality, make_member, make_municipality
):
    draft = services.project_create(
        created_by=member,
        municipality=municipality,
        title="Entwurf",
        kind="other",
        is_published=False,
    )
    outsider = make_member(municipality=make_municipality())
    api_client.force_authenticate(outsider)
    assert api_client.get(f"/api/projects/{draft.pk}/").status_code == 404
    assert api_client.get("/api/projects/").json()["count"] == 0
    api_client.force_authenticate(member)
    assert api_client.get(f"/api/projects/{draft.pk}/").status_code == 200


# --- projects: pages ----------------------------------------------------------------------
def test_member_creates_and_edits_a_project_on_the_pages(member_client, member):
    response = member_client.post(
        "/projekte/neu/",
        {
            "title": "Digitale Dienstplanung Bauhof",
            "kind": "process",
            "status": "planned",
            "members": [member.pk],
            "tools": "Papershift, papershift",
            "links": "https://wetzlar.example/bauhof Infoseite",
            "body": "Plan",
            "lessons_learned": "",
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert [t.name for t in project.tools.all()] == ["Papershift"]
    assert project.links.get().title == "Infoseite"
    response = member_client.post(
        f"/projekte/{project.pk}/bearbeiten/",
        {
            "title": "Dienstplanung Bauhof",
            "kind": "process",
            "status": "running",
            "tools": "",
            "links": "",
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == "running"
    assert project.tools.count() == 0


def test_project_pages_refuse_outsiders_to_edit(client, project, make_member, make_municipality):
    client.force_login(make_member(municipality=make_municipality()))
    assert client.get(f"/projekte/{project.pk}/").status_code == 200
    assert client.get(f"/projekte/{project.pk}/bearbeiten/").status_code == 403
