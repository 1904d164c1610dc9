"""Expertise search: ranking on a small network whose right order is known.

The same tests run on every backend; where a backend lacks a capability it
says so (SearchBackend flags) and the test states the skip reason.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import services
from community.models import Level, ProjectKind, ProjectStatus
from directory import selectors
from directory.search import get_backend

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
    from django.utils import timezone

    search = selectors.member_search(viewer=network["planner"], q="E-Akte enaio")
    first = search.members[0]
    # The title names the place already: no "in Wetzlar in Wetzlar"; done, with its year.
    year = timezone.localdate().year
    assert search.reasons(first) == [
        "Expert:in: E-Akte/DMS",
        f"Projekt: Einführung enaio in Wetzlar (abgeschlossen {year})",
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
def test_hostile_queries_return_results_or_nothing_never_an_error(network, client, q):
    assert isinstance(names(network["expert"], q=q), list)
    client.force_login(network["expert"])
    assert client.get("/api/members/", {"q": q}).status_code in {200, 400}
    assert client.get("/menschen/", {"q": q}).status_code == 200
    # Nothing was executed: the members are all still there.
    assert selectors.member_search(viewer=network["expert"], q="E-Akte").members.count() == 3


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

    run(1)  # fills the cached synonyms and taxonomy, as any earlier search did
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
    # The tools the query names, the forum's accepted answers, the ranking (counted
    # in the same query), the page's members with their fields.
    assert run(50) == few == 4


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


# --- several words, the count, the page ----------------------------------------------
def test_several_words_must_all_match(network, make_member, make_municipality):
    # Enough people with both words that the search need not fall back to either.
    for n in range(selectors.MIN_ALL_TERMS_HITS):
        make_member(display_name=f"Kim Kanzlei {n}", bio="Aktenplan und Bauhof")
    found = names(network["planner"], q="Aktenplan Bauhof")
    assert len(found) == selectors.MIN_ALL_TERMS_HITS
    assert "Dora Dienstplan" not in found  # only "Bauhof"


def test_when_all_words_find_too_few_any_word_will_do(network):
    # Nobody has both "enaio" and "Dienstplanung": each alone still finds someone.
    found = names(network["planner"], q="enaio Dienstplanung")
    assert {"Erika Expertin", "Paul Praktiker", "Dora Dienstplan"} <= set(found)


def test_the_count_stops_at_the_limit(network, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 2)
    members = selectors.member_search(viewer=network["planner"], q="E-Akte").members
    assert members.count() == 2
    assert members.count_is_capped
    assert len(list(members)) == 3  # the ranking itself is not cut
    assert not selectors.member_search(
        viewer=network["planner"], q="Bauhof"
    ).members.count_is_capped


def test_the_directory_says_when_it_found_more_than_it_counts(network, client, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 2)
    client.force_login(network["planner"])
    page = client.get("/menschen/", {"q": "E-Akte"}).content.decode()
    assert "Mehr als 2 Mitglieder gefunden" in page


def test_a_page_counts_its_matches_in_the_query_that_ranks_it(network, monkeypatch):
    """The paginator fetches the page first; the ranked query counts as well."""
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 2)
    search = selectors.member_search(viewer=network["planner"], q="E-Akte")
    with CaptureQueriesContext(connection) as fetched:
        page = selectors.RankedPaginator(search.members, 1).page(1)
        assert page.paginator.count == 2
        assert search.members.count_is_capped
        assert page.has_next()
    assert len(page.object_list) == 1
    # No count of its own (the ranked query may count inside, as on PostgreSQL
    # when it scores only the candidates).
    assert not any(q["sql"].startswith("SELECT (SELECT COUNT(*)") for q in fetched.captured_queries)
    second = selectors.RankedPaginator(search.members, 1).page(2)
    assert [m.pk for m in second] != [m.pk for m in page]


def test_a_page_past_the_matches_is_counted_on_its_own(network):
    search = selectors.member_search(viewer=network["planner"], q="E-Akte")
    paginator = selectors.RankedPaginator(search.members, 25)
    last = paginator.get_page(99)
    assert last.number == 1
    assert len(last.object_list) == paginator.count > 0


def test_pages_are_slices_of_one_ranking(network):
    members = selectors.member_search(viewer=network["planner"], q="E-Akte").members
    whole = [m.display_name for m in members]
    assert [m.display_name for m in members[1:3]] == whole[1:3]
    assert members[0].display_name == whole[0]
    assert members[5:9] == []
    with pytest.raises(IndexError):
        members[7]


# --- ranking and filters on the search document ------------------------------------------
def test_a_project_of_the_kind_with_the_tool_counts_once(network, make_member):
    viewer = network["planner"]
    # Erika: one e-file project with enaio; Paul: one too. Give Paul a second one
    # without enaio: by kind and tool together, Paul now has more evidence.
    services.project_create(
        created_by=network["practitioner"],
        municipality=network["practitioner"].municipality,
        title="Scanstelle",
        kind=ProjectKind.EAKTE,
        members=[network["practitioner"]],
    )
    found = selectors.member_search(viewer=viewer, kind=ProjectKind.EAKTE, tool="enaio").members
    # No words, no field asked for: the score is the evidence alone.
    assert {m.display_name: m.score for m in found} == {
        "Paul Praktiker": 2.0,
        "Erika Expertin": 1.0,
    }


def test_level_alone_filters_by_the_best_declared_level(network):
    assert set(names(network["planner"], level=Level.EXPERT)) == {
        "Erika Expertin",
        "Dora Dienstplan",
    }


def test_tool_filter_with_unknown_tool_finds_nobody(network):
    assert names(network["planner"], tool="gibt-es-nicht") == []
    assert names(network["planner"], q="E-Akte", tool="gibt-es-nicht") == []


@pytest.mark.parametrize(
    "query",
    [
        "expertise=gibt-es-nicht&kind=eakte",
        "tool=gibt-es-nicht&kind=eakte",
        "expertise=gibt-es-nicht&level=basic",
        "tool=gibt-es-nicht&q=E-Akte",
    ],
)
def test_a_page_of_an_expertise_or_tool_nobody_has_is_empty_not_a_500(network, api_client, query):
    """The filters make the ranking empty before it is compiled (schemathesis found it)."""
    api_client.force_authenticate(network["planner"])
    response = api_client.get(f"/api/members/?{query}")
    assert response.status_code == 200
    assert (response.json()["count"], response.json()["results"]) == (0, [])


def test_a_hit_shows_the_declared_fields_as_the_profile_does(network, api_client):
    """The search reads a page's fields from the search documents and the taxonomy it
    caches; they are the profile's, highest level first."""
    planner = network["planner"]
    services.member_set_expertise(
        member=planner,
        expertise={"e-akte-dms": Level.BASIC, "digitale-dienstplanung": Level.EXPERT},
    )
    api_client.force_authenticate(network["expert"])
    hits = api_client.get("/api/members/?q=Dienstplanung").json()["results"]
    profile = api_client.get(f"/api/members/{planner.pk}/").json()
    assert hits[0]["id"] == planner.pk
    assert (
        hits[0]["expertise"]
        == profile["expertise"]
        == [
            {"slug": "digitale-dienstplanung", "level": "expert"},
            {"slug": "e-akte-dms", "level": "basic"},
        ]
    )


def test_without_query_and_filters_the_directory_is_by_name(network):
    assert names(network["planner"]) == [
        "Bea Beginn",
        "Dora Dienstplan",
        "Erika Expertin",
        "Paul Praktiker",
    ]


# --- the index follows the facts -------------------------------------------------------
def test_projects_reach_the_ranking_and_leave_it_again(network):
    viewer = network["planner"]
    project = services.project_create(
        created_by=network["beginner"],
        municipality=network["beginner"].municipality,
        title="Regisafe im Hauptamt",
        kind=ProjectKind.EAKTE,
        tools=["Regisafe"],
        members=[network["beginner"]],
    )
    assert names(viewer, tool="regisafe") == ["Bea Beginn"]
    services.project_update(project=project, is_published=False)
    assert names(viewer, tool="regisafe") == []
    services.project_update(
        project=project,
        is_published=True,
        members=[network["planner"]],
        by=network["beginner"],
    )
    # Asked, not yet a member: no evidence until the invitation is accepted.
    assert names(viewer, tool="regisafe") == []
    services.project_invitation_accept(project=project, member=network["planner"])
    assert names(viewer, tool="regisafe") == ["Dora Dienstplan"]
    services.project_delete(project=project)
    assert names(viewer, tool="regisafe") == []


def test_declared_expertise_changes_reach_the_filters(network):
    services.member_set_expertise(
        member=network["beginner"], expertise={"e-akte-dms": Level.EXPERT}
    )
    assert "Bea Beginn" in names(network["planner"], expertise="e-akte-dms", level=Level.EXPERT)
    services.member_set_expertise(member=network["beginner"], expertise={})
    assert "Bea Beginn" not in names(network["planner"], expertise="e-akte-dms")


def test_a_municipality_moving_state_moves_its_members(network):
    marburg = network["practitioner"].municipality
    services.municipality_update(municipality=marburg, state="BW")
    assert set(names(network["planner"], state="BW")) == {"Dora Dienstplan", "Paul Praktiker"}


def test_a_renamed_municipality_shows_in_the_reasons(network):
    services.municipality_update(municipality=network["expert"].municipality, name="Lahnstadt")
    search = selectors.member_search(viewer=network["planner"], q="enaio")
    first = search.members[0]
    assert search.reasons(first)[0].startswith("Projekt: Einführung enaio in Wetzlar in Lahnstadt")


def test_reactivated_members_are_found_again(network):
    services.member_deactivate(member=network["practitioner"])
    services.member_update(member=network["practitioner"], is_active=True)
    assert "Paul Praktiker" in names(network["expert"], q="E-Akte")


# --- the API: fixed queries, bad input -----------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "?q=E-Akte",
        "?q=E-Akte+enaio&kind=eakte",
        "?expertise=e-akte-dms&level=experienced",
        "?q=Dienstplanug&state=BW",
        "",
    ],
)
def test_member_api_runs_the_same_queries_for_any_page_size(
    network, make_member, query, django_assert_num_queries
):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(network["planner"])
    sep = "&" if query else "?"
    client.get(f"/api/members/{query}")  # fills the cached synonyms and taxonomy
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"/api/members/{query}{sep}page_size=1").status_code == 200
    for n in range(8):
        member = make_member(display_name=f"Weitere Person {n}", bio="E-Akte und Dienstplanung")
        services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.EXPERIENCED})
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(f"/api/members/{query}{sep}page_size=100")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "?page=999",
        "?page=0",
        "?page=abc",
        "?page_size=0",
        "?page_size=-5",
        "?q=%00&page=2",
        "?q=E-Akte&page=" + "9" * 30,
        "?q=E-Akte&page=-3",
    ],
)
def test_member_api_with_odd_paging_is_a_4xx_or_a_page_never_a_500(network, query):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(network["planner"])
    assert client.get("/api/members/" + query).status_code in {200, 400, 404}


@pytest.mark.parametrize("page", ["9" * 30, "-3", "0", "abc", "41"])
def test_the_directory_page_with_odd_paging_shows_a_page_never_a_500(network, client, page):
    client.force_login(network["planner"])
    assert client.get("/menschen/", {"q": "E-Akte", "page": page}).status_code == 200


def test_postgres_search_can_use_the_gin_indexes(network, needs_postgres):
    search = selectors.member_search(viewer=network["planner"], q="E-Akte", kind=ProjectKind.EAKTE)
    sql, params = search.members.documents.query.sql_with_params()
    with connection.cursor() as cursor:
        # Four documents: any plan will do, so leave the planner only the index
        # choice that matters at 50,000 (the test's transaction restores the index).
        cursor.execute("DROP INDEX searchdoc_directory")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "community_searchdoc_vector_gin" in plan or "community_searchdoc_evidence_gin" in plan
    assert "SubPlan" not in plan  # no correlated subqueries per document any more


def test_the_migration_fills_existing_documents_as_the_services_do(network):
    import importlib

    from django.apps import apps

    from community.models import MemberSearchDocument

    migration = importlib.import_module("community.migrations.0007_search_document_scores")
    services.member_deactivate(member=network["beginner"])
    fields = ["is_active", "display_name", "municipality_id", "state", "levels", "max_level"]
    fields += ["evidence", "projects"]
    built = {d["member_id"]: d for d in MemberSearchDocument.objects.values("member_id", *fields)}
    # 0007 predates the practice facts (running or done projects per tool, their
    # year, a project's state, the words of titles): rebuild_search_index adds
    # those after the upgrade.
    for document in built.values():
        document["evidence"] = {
            k: v for k, v in document["evidence"].items() if not k.startswith(("r", "y", "w"))
        }
        document["projects"] = [entry[:4] for entry in document["projects"]]
    MemberSearchDocument.objects.update(
        is_active=False, display_name="", municipality=None, state="", levels={}, max_level=0
    )
    MemberSearchDocument.objects.update(evidence={}, projects=[])
    migration.fill(apps, None)
    filled = {d["member_id"]: d for d in MemberSearchDocument.objects.values("member_id", *fields)}
    assert filled == built
    assert not filled[network["beginner"].pk]["is_active"]


def test_a_member_deactivated_outside_the_services_is_not_shown(network):
    from community.models import User

    User.objects.filter(pk=network["practitioner"].pk).update(is_active=False)  # as the admin
    assert "Paul Praktiker" not in names(network["expert"], q="E-Akte")


def test_the_rebuild_also_refreshes_deactivated_members(network):
    from io import StringIO

    from django.core.management import call_command

    from community.models import MemberSearchDocument, User

    User.objects.filter(pk=network["beginner"].pk).update(is_active=False)  # behind the services
    call_command("rebuild_search_index", stdout=StringIO())
    assert not MemberSearchDocument.objects.get(pk=network["beginner"].pk).is_active
    assert "Bea Beginn" not in names(network["planner"], q="Akten")


# --- events led -------------------------------------------------------------------
def _event(organizer, title, **fields):
    import datetime as dt

    from django.utils import timezone

    from events import services as event_services

    starts_at = timezone.now() + dt.timedelta(days=7)
    return event_services.event_create(
        created_by=organizer,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        **fields,
    )


def test_events_led_for_the_whole_network_are_evidence(network):
    event = _event(network["beginner"], "Werkstatt Videosprechstunde")
    assert names(network["planner"], q="Videosprechstunde") == ["Bea Beginn"]

    from events import services as event_services

    event_services.event_cancel(event=event)
    assert names(network["planner"], q="Videosprechstunde") == []


def test_events_for_one_municipality_never_show_in_the_search(network):
    from events.models import Audience

    beginner = network["beginner"]
    _event(
        beginner,
        "Interne Runde Videosprechstunde",
        audience=Audience.MUNICIPALITY,
        audience_municipality=beginner.municipality,
    )
    assert names(network["planner"], q="Videosprechstunde") == []


@pytest.mark.django_db
def test_the_remembered_filter_selects_show_each_search_its_own_choice_and_language():
    from django.utils import translation

    from directory.forms import MemberFilterForm

    def state_select(data):
        return str(MemberFilterForm(data)["state"])

    hessen, bayern = state_select({"state": "HE"}), state_select({"state": "BY"})
    assert '<option value="HE" selected>' in hessen
    assert '<option value="BY" selected>' in bayern and "selected>Hessen" not in bayern
    assert state_select({"state": "HE"}) == hessen
    with translation.override("en"):
        english = state_select({"state": "HE"})
    assert "all federal states" in english and '<option value="HE" selected>' in english
    invalid = MemberFilterForm({"state": "XX"})
    assert not invalid.is_valid()
    assert 'aria-invalid="true"' in str(invalid["state"])


# --- a page of a long ranking ----------------------------------------------------------
TWINS = (25, 26, 28, 29)  # no level, no project


@pytest.fixture
def crowd(make_municipality, make_member):
    """34 people who mention training, a few of them declared experts, 14 with projects.

    Bios mention the word once to three times (different text ranks); four
    "Zwilling" share name, bio and score, so only the member id orders them.
    """
    kassel = make_municipality(name="Kassel", domains=["kassel.example"])

    def training(member, title):
        services.project_create(
            created_by=member,
            municipality=kassel,
            title=title,
            kind=ProjectKind.TRAINING,
            members=[member],
        )

    levels = [Level.EXPERT] * 4 + [Level.EXPERIENCED] * 3 + [Level.BASIC] * 3
    people = []
    for n in range(30):
        twin = n in TWINS
        member = make_member(
            municipality=kassel,
            display_name="Zwilling" if twin else f"Person {n:02d}",
            bio=" ".join(["Schulungen"] * (1 if twin else 1 + n % 3)) + " im Rathaus",
        )
        if n < len(levels):
            services.member_set_expertise(
                member=member, expertise={"schulung-e-learning": levels[n]}
            )
        if n % 3 == 0:
            training(member, f"Qualifizierung {n}")
        people.append(member)
    for n in range(4):  # the text in a project title (weight B), no bio
        member = make_member(municipality=kassel, display_name=f"Projektleitung {n}")
        training(member, f"Schulung Fachverfahren {n}")
        people.append(member)
    return people


@pytest.mark.parametrize("filters", [{"q": "Schulung"}, {"q": "Schulung", "kind": "training"}])
def test_each_page_with_its_count_is_a_slice_of_the_whole_ranking(crowd, filters):
    """The paginated query (ranked below the count's window) ranks as the plain queryset."""
    search = selectors.member_search(viewer=crowd[0], **filters)
    whole = list(search.members.documents.values_list("member_id", "score", "projects"))
    assert len(whole) >= 13
    assert len({score for _, score, _ in whole}) > 3  # text, level and evidence all count
    per_page = 4
    last = (len(whole) - 1) // per_page + 1
    for number in (1, 3, last):
        members = selectors.member_search(viewer=crowd[0], **filters).members
        page = selectors.RankedPaginator(members, per_page).page(number)
        assert page.paginator.count == len(whole)
        rows = whole[(number - 1) * per_page : number * per_page]
        assert [(m.pk, m.score, m.search_projects) for m in page.object_list] == rows
    twins = [pk for pk, _, _ in whole if pk in {crowd[n].pk for n in TWINS}]
    assert twins == sorted(twins)
    assert len(twins) == (0 if "kind" in filters else len(TWINS))
