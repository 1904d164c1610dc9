"""The directory's pages and the member search API: who knows what, who uses a tool."""

import pytest

from community import services
from community.models import Level, ProjectKind
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


def test_expertise_page_lists_experts_and_learners(member_client, member, make_member):
    services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.EXPERT})
    learner = make_member(display_name="Lena Lernt")
    services.member_set_expertise(member=learner, expertise={}, learning=["e-akte-dms"])
    page = member_client.get("/fachgebiete/e-akte-dms/").content.decode()
    assert "Anna Schmidt" in page and "Expert:in" in page
    assert "Lena Lernt" in page
    assert member_client.get("/fachgebiete/gibt-es-nicht/").status_code == 404


def test_tool_page_tells_who_already_uses_it(member_client, project):
    page = member_client.get("/werkzeuge/enaio/").content.decode()
    assert "Wer nutzt enaio schon?" in page
    assert "Wetzlar" in page and "Einführung enaio" in page and "Anna Schmidt" in page
    assert member_client.get("/werkzeuge/unbekannt/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/projekte/",
        "/menschen/",
        "/menschen/?q=E-Akte&kind=eakte",
        "/werkzeuge/enaio/",
        "/fachgebiete/e-akte-dms/",
    ],
)
def test_people_and_project_pages_run_a_fixed_number_of_queries(
    member_client, member, municipality, project, url, django_assert_num_queries
):
    # Not empty to begin with: Django skips prefetch queries for an empty page.
    services.member_set_expertise(
        member=member, expertise={"e-akte-dms": Level.EXPERT}, learning=["smart-city"]
    )

    def grow():
        for n in range(6):
            services.project_create(
                created_by=member,
                municipality=municipality,
                title=f"E-Akte Projekt {n}",
                kind="eakte",
                tools=["enaio", f"Tool {n}"],
                members=[member],
            )
            person = services.member_create(
                email=f"p{n}@wetzlar.de",
                display_name=f"Person {n}",
                municipality=municipality,
                password=None,
            )
            services.member_set_expertise(
                member=person, expertise={"e-akte-dms": Level.BASIC}, learning=["smart-city"]
            )

    assert_constant_queries(
        member_client, url, grow, django_assert_num_queries, status=200, warm_up=True
    )


def test_directory_page_shows_why_someone_matched(member_client, member, project):
    services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.EXPERT})
    page = member_client.get("/menschen/", {"q": "E-Akte enaio"}).content.decode()
    assert "Expert:in: E-Akte/DMS" in page
    assert "Projekt: Einführung enaio in Wetzlar" in page


@pytest.mark.parametrize(
    "query", ["?q=" + "x" * 300, "?level=9", "?expertise=gibt-es-nicht", "?kind=<script>"]
)
def test_directory_page_with_bad_filters_is_not_an_error(member_client, query):
    assert member_client.get("/menschen/" + query).status_code == 200


@pytest.mark.parametrize(
    "query",
    ["?q=" + "x" * 201, "?level=guru", "?kind=nope", "?state=XX", "?tool=" + "t" * 101],
)
def test_member_api_with_bad_filters_is_a_400(member_api, query):
    assert member_api.get("/api/members/" + query).status_code == 400


def test_member_api_ranks_and_explains(member_api, member, project, make_member):
    services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.EXPERT})
    other = make_member(display_name="Olaf Other", bio="Ich habe von der E-Akte gehört.")
    body = member_api.get("/api/members/", {"q": "E-Akte", "expertise": ""}).json()
    results = body["results"]
    assert [r["display_name"] for r in results][:2] == ["Anna Schmidt", "Olaf Other"]
    assert results[0]["reasons"][0] == "Expert:in: E-Akte/DMS"
    assert results[0]["score"] > results[1]["score"]
    assert other.pk == results[1]["id"]
