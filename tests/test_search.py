"""Expertise search: ranking on a small network whose right order is known.

The same tests run on every backend; where a backend lacks a capability it
says so (SearchBackend flags) and the test states the skip reason.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import selectors, services
from community.models import Level, ProjectKind, ProjectStatus
from community.search import get_backend

pytestmark = pytest.mark.django_db


def requires(capability: str):
    backend = get_backend()
    if not getattr(backend, f"supports_{capability}"):
        pytest.skip(f"the {backend.vendor} backend has no {capability.replace('_', ' ')}")


@pytest.fixture
def network(make_municipality, make_member):
    """Four people around e-files in Wetzlar, Marburg, Fulda and Offenburg."""
    wetzlar = make_municipality(name="Wetzlar", domains=["wetzlar.example"])
    marburg = make_municipality(name="Marburg", domains=["marburg.example"])
    fulda = make_municipality(name="Fulda", domains=["fulda.example"])
    offenburg = make_municipality(name="Offenburg", state="BW", domains=["offenburg.example"])

    expert = make_member(
        municipality=wetzlar, display_name="Erika Expertin", position="Digitallotsin"
    )
    services.member_set_expertise(member=expert, expertise={"e-akte-dms": Level.EXPERT})
    services.project_create(
        created_by=expert,
        municipality=wetzlar,
        title="Einführung enaio in Wetzlar",
        kind=ProjectKind.EAKTE,
        status=ProjectStatus.DONE,
        tools=["enaio"],
        members=[expert],
        lessons_learned="Die Übergabe der Papierakten früh planen.",
    )

    practitioner = make_member(municipality=marburg, display_name="Paul Praktiker")
    services.member_set_expertise(member=practitioner, expertise={"e-akte-dms": Level.EXPERIENCED})
    services.project_create(
        created_by=practitioner,
        municipality=marburg,
        title="E-Akte im Bürgerbüro",
        kind=ProjectKind.EAKTE,
        tools=["Enaio"],
        members=[practitioner],
    )

    beginner = make_member(
        municipality=fulda,
        display_name="Bea Beginn",
        bio="Ich interessiere mich für Akten und Schulungen.",
    )
    services.member_set_expertise(member=beginner, expertise={"e-akte-dms": Level.BASIC})

    planner = make_member(
        municipality=offenburg,
        display_name="Dora Dienstplan",
        department="Bauhof",
        bio="Wir haben die Dienstplanung für den Bauhof digitalisiert.",
    )
    services.member_set_expertise(
        member=planner, expertise={"digitale-dienstplanung": Level.EXPERT}, learning=["e-akte-dms"]
    )
    return {
        "expert": expert,
        "practitioner": practitioner,
        "beginner": beginner,
        "planner": planner,
    }


def names(viewer, **filters):
    return [m.display_name for m in selectors.member_search(viewer=viewer, **filters).members]


def test_level_and_evidence_decide_the_order(network):
    viewer = network["planner"]
    assert names(viewer, q="E-Akte") == ["Erika Expertin", "Paul Praktiker", "Bea Beginn"]


def test_a_tool_is_one_tool_whatever_its_spelling(network):
    viewer = network["planner"]
    assert names(viewer, q="ENAIO")[:2] == ["Erika Expertin", "Paul Praktiker"]
    assert names(viewer, tool=services.tool_key("Enaio")) == ["Erika Expertin", "Paul Praktiker"]


def test_results_say_why_a_person_matched(network):
    search = selectors.member_search(viewer=network["planner"], q="E-Akte enaio")
    first = search.members[0]
    assert search.reasons(first) == [
        "Expert:in: E-Akte/DMS",
        "Projekt: Einführung enaio in Wetzlar in Wetzlar",
    ]


def test_stemming_finds_plural_and_singular(network):
    requires("stemming")
    viewer = network["expert"]
    assert "Bea Beginn" in names(viewer, q="Akte")  # bio says "Akten"
    assert "Bea Beginn" in names(viewer, q="Schulung")  # bio says "Schulungen"


def test_umlauts_may_be_typed_without_dots(network):
    requires("umlaut_folding")
    assert "Erika Expertin" in names(network["planner"], q="Ubergabe")
    assert "Erika Expertin" in names(network["planner"], q="Übergabe")


def test_typos_still_find(network):
    requires("typo_tolerance")
    assert names(network["expert"], q="Dienstplanug")[0] == "Dora Dienstplan"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"expertise": "e-akte-dms"}, {"Erika Expertin", "Paul Praktiker", "Bea Beginn"}),
        (
            {"expertise": "e-akte-dms", "level": Level.EXPERIENCED},
            {"Erika Expertin", "Paul Praktiker"},
        ),
        ({"state": "BW"}, {"Dora Dienstplan"}),
        ({"municipality": "marburg"}, {"Paul Praktiker"}),
        ({"kind": ProjectKind.EAKTE}, {"Erika Expertin", "Paul Praktiker"}),
        ({"expertise": "gibt-es-nicht"}, set()),
        ({"municipality": "nirgendwo"}, set()),
    ],
)
def test_filters_narrow_the_directory(network, filters, expected):
    assert set(names(network["expert"], **filters)) == expected


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE community_user; --",
        '" OR 1=1 --',
        "akte* NEAR(x y)",
        "a & b | !c <-> d",
        "%_%",
        "\x00",
        "🙂",
        "NOT AND OR",
    ],
)
def test_hostile_queries_return_results_or_nothing_never_an_error(network, q):
    names(network["expert"], q=q)


def test_drafts_do_not_reach_the_search_of_other_municipalities(network, make_member):
    wetzlar = network["expert"].municipality
    services.project_create(
        created_by=network["expert"],
        municipality=wetzlar,
        title="Geheimprojekt Xylophon",
        kind=ProjectKind.OTHER,
        members=[network["expert"]],
        is_published=False,
    )
    assert names(network["planner"], q="Xylophon") == []
    search = selectors.member_search(viewer=network["planner"], q="E-Akte")
    for member in search.members:
        assert all("Xylophon" not in reason for reason in search.reasons(member))


def test_deactivated_members_are_not_found(network):
    services.member_deactivate(member=network["practitioner"])
    assert "Paul Praktiker" not in names(network["expert"], q="E-Akte")


def test_profile_changes_reach_the_index_at_once(network):
    services.member_update_profile(member=network["beginner"], position="Open-Data-Beauftragte")
    assert names(network["expert"], q="Open-Data-Beauftragte") == ["Bea Beginn"]


def test_search_runs_a_fixed_number_of_queries_whatever_the_page_size(network, make_member):
    viewer = network["expert"]

    def run(page_size):
        with CaptureQueriesContext(connection) as queries:
            search = selectors.member_search(viewer=viewer, q="E-Akte", kind=ProjectKind.EAKTE)
            for member in search.members[:page_size]:
                search.reasons(member)
        return len(queries.captured_queries)

    few = run(1)
    for n in range(10):
        member = make_member(display_name=f"Weitere Person {n}")
        services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.BASIC})
        services.project_create(
            created_by=member,
            municipality=member.municipality,
            title=f"E-Akte {n}",
            kind=ProjectKind.EAKTE,
            tools=["enaio", f"tool{n}"],
            members=[member],
        )
    assert run(50) == few


def test_the_index_can_be_rebuilt_from_scratch(network):
    from io import StringIO

    from django.core.management import call_command

    from community.models import MemberSearchDocument

    MemberSearchDocument.objects.all().delete()
    get_backend().index([m.pk for m in network.values()])  # forget the vendor side too
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "Mitglieder indiziert" in out.getvalue()
    assert names(network["planner"], q="E-Akte")[0] == "Erika Expertin"
