"""Relevance of the expertise search (issue 19), the same on every backend.

Specific words beat the broad field, having done it beats a declared level,
which beats a mention; recent beats old; the searcher's state breaks ties only.
Synonyms come from the administrators' table, typos are forgiven for every
word but never widen into names, and bad input is answered at once.
"""

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import services
from community.models import Expertise, Level, ProjectKind, ProjectStatus
from core.search_text import evidence_stems, stem
from directory import selectors
from directory.models import SearchSynonym
from tests.directory.test_search import names

pytestmark = pytest.mark.django_db


def _done_project(member, title, tools, *, ended_on=None, status=ProjectStatus.DONE, **fields):
    return services.project_create(
        created_by=member,
        municipality=member.municipality,
        title=title,
        kind=fields.pop("kind", ProjectKind.EAKTE),
        status=status,
        tools=tools,
        members=[member],
        ended_on=ended_on,
        **fields,
    )


def test_a_member_whose_project_ran_the_tool_beats_a_declared_expert(network, make_member):
    declared = make_member(display_name="Dirk Deklariert")
    services.member_set_expertise(member=declared, expertise={"e-akte-dms": Level.EXPERT})
    doer = make_member(display_name="Marta Macherin")
    _done_project(doer, "Einführung enaio", ["enaio"], ended_on=timezone.localdate())
    found = names(network["planner"], q="E-Akte enaio")
    assert found.index("Marta Macherin") < found.index("Dirk Deklariert")
    # A planned project with the tool and a lesser level: below the one who did it.
    assert found.index("Marta Macherin") < found.index("Paul Praktiker")
    # A declared level above a mere mention in the bio.
    assert found.index("Dirk Deklariert") < found.index("Bea Beginn")


def test_a_declared_level_beats_a_mention_in_the_bio(make_member):
    declared = make_member(display_name="Lea Level")
    services.member_set_expertise(member=declared, expertise={"e-akte-dms": Level.EXPERIENCED})
    make_member(display_name="Anton Anmerkung", bio="E-Akte, E-Akte, immer wieder E-Akte.")
    assert names(declared, q="E-Akte") == ["Lea Level", "Anton Anmerkung"]


def test_recent_practice_ranks_above_old(make_member):
    today = timezone.localdate()
    old = make_member(display_name="Alma Alt")
    _done_project(old, "Scanstraße", ["Regisafe"], ended_on=dt.date(today.year - 9, 6, 1))
    recent = make_member(display_name="Zora Zuletzt")
    _done_project(recent, "Scanstraße", ["Regisafe"], ended_on=today)
    running = make_member(display_name="Rudi Running")
    _done_project(running, "Scanstraße", ["Regisafe"], status=ProjectStatus.RUNNING)
    found = names(old, q="Regisafe")
    assert found.index("Zora Zuletzt") < found.index("Alma Alt")
    assert found.index("Rudi Running") < found.index("Alma Alt")


def test_the_searchers_state_only_breaks_ties(make_municipality, make_member):
    hessen = make_municipality(name="Gießen", state="HE", domains=["giessen.example"])
    bayern = make_municipality(name="Hof", state="BY", domains=["hof.example"])
    far = make_member(municipality=bayern, display_name="Zwilling", bio="Bürgerkonto")
    near = make_member(municipality=hessen, display_name="Zwilling", bio="Bürgerkonto")
    expert = make_member(municipality=bayern, display_name="Zed", bio="Bürgerkonto Bürgerkonto")
    services.member_set_expertise(member=expert, expertise={"ozg-onlinedienste": Level.EXPERT})
    viewer = make_member(municipality=hessen, display_name="Vera Viewer")
    found = [m.pk for m in selectors.member_search(viewer=viewer, q="Bürgerkonto OZG").members]
    assert found.index(near.pk) < found.index(far.pk)
    assert found[0] == expert.pk  # a better match stays first, whatever its state


def test_every_matched_term_shows_in_the_reasons_once(network, make_member):
    member = make_member(
        municipality=network["expert"].municipality,
        display_name="Hanna Hauptamt",
        department="Bauhof",
        bio="Wir archivieren mit Regisafe.",
    )
    _done_project(member, "Einführung enaio", ["enaio"], ended_on=timezone.localdate())
    search = selectors.member_search(viewer=network["planner"], q="enaio Bauhof Regisafe Wetzlar")
    hanna = next(m for m in search.members if m.pk == member.pk)
    reasons = search.reasons(hanna)
    text = " · ".join(reasons).lower()
    for term in ("enaio", "bauhof", "regisafe", "wetzlar"):
        assert term in text, reasons
    assert len(reasons) == len(set(reasons))
    assert "in wetzlar in wetzlar" not in text


# --- evidence in project titles and kinds -------------------------------------------
def test_a_project_title_word_counts_as_evidence(make_member):
    doer = make_member(display_name="Fiete Feuerwache")
    _done_project(
        doer,
        "Digitale Dienstplanung der Feuerwehr",
        ["Papershift"],
        kind=ProjectKind.PROCESS,
        ended_on=timezone.localdate(),
    )
    declared = make_member(display_name="Dana Deklariert", department="Feuerwehr")
    services.member_set_expertise(
        member=declared, expertise={"digitale-dienstplanung": Level.EXPERIENCED}
    )
    make_member(display_name="Bodo Bio", bio="Dienstplanung bei der Feuerwehr interessiert mich.")
    found = names(doer, q="Dienstplanung Feuerwehr")
    assert found == ["Fiete Feuerwache", "Dana Deklariert", "Bodo Bio"]


def test_a_recent_project_named_in_its_title_ranks_above_an_old_one(make_member):
    today = timezone.localdate()
    old = make_member(display_name="Alma Alt")
    _done_project(old, "Dienstplanung im Bauhof", [], ended_on=dt.date(today.year - 8, 6, 1))
    recent = make_member(display_name="Zora Zuletzt")
    _done_project(recent, "Dienstplanung im Bauhof", [], ended_on=today)
    planned = make_member(display_name="Paula Plan")
    _done_project(planned, "Dienstplanung im Bauhof", [], status=ProjectStatus.PLANNED)
    assert names(old, q="Dienstplanung") == ["Zora Zuletzt", "Alma Alt", "Paula Plan"]


def test_the_kind_of_a_project_is_evidence_for_its_field(make_member):
    doer = make_member(display_name="Ines Ihrprojekt")
    _done_project(doer, "Scanstraße im Hauptamt", ["regisafe"], status=ProjectStatus.RUNNING)
    declared = make_member(display_name="Lea Level")
    services.member_set_expertise(member=declared, expertise={"e-akte-dms": Level.EXPERIENCED})
    make_member(display_name="Anton Anmerkung", bio="Die E-Akte kommt bald.")
    search = selectors.member_search(viewer=doer, q="E-Akte")
    members = list(search.members)
    assert [m.display_name for m in members] == ["Ines Ihrprojekt", "Lea Level", "Anton Anmerkung"]
    reasons = " · ".join(search.reasons(members[0]))
    assert "Projekt: Scanstraße im Hauptamt" in reasons
    assert "Projektart: E-Akte-Einführung" in reasons


def test_a_product_named_by_its_first_words_counts_as_practice(make_member):
    doer = make_member(display_name="Dieter Dokument")
    _done_project(doer, "Archiv im Bauamt", ["d.velop documents"], ended_on=timezone.localdate())
    talker = make_member(display_name="Tina Tippt", bio="d.velop, d.velop und nochmal d.velop.")
    services.member_set_expertise(member=talker, expertise={"e-akte-dms": Level.EXPERT})
    search = selectors.member_search(viewer=talker, q="d.velop")
    members = list(search.members)
    assert [m.display_name for m in members] == ["Dieter Dokument", "Tina Tippt"]
    reasons = search.reasons(members[0])
    assert len(reasons) == 1 and reasons[0].startswith("Projekt: Archiv im Bauamt"), reasons


def test_function_words_of_a_title_are_no_evidence():
    found = evidence_stems("Einführung enaio in Marburg mit der Feuerwehr")
    assert found == {stem(w) for w in ("einführung", "enaio", "marburg", "feuerwehr")}


# --- specific words, and where a word stands -------------------------------------------
def test_a_word_only_the_bio_mentions_counts_less_than_one_the_profile_states(make_member):
    talker = make_member(
        display_name="Till Text", bio="Videokonferenzen mit BigBlueButton finde ich spannend."
    )
    doer = make_member(display_name="Dora Durchgeführt")
    _done_project(
        doer,
        "Pilot im Standesamt",
        ["BigBlueButton"],
        kind=ProjectKind.TOOL,
        ended_on=timezone.localdate(),
    )
    found = names(talker, q="Videokonferenz BigBlueButton")
    assert found.index("Dora Durchgeführt") < found.index("Till Text")


def test_a_specific_word_outweighs_the_words_of_the_field(make_member):
    field = make_member(display_name="Olga Opendata")
    services.member_set_expertise(member=field, expertise={"open-data": Level.EXPERT})
    doer = make_member(display_name="Carl Ckan")
    _done_project(
        doer, "Datenportal", ["CKAN"], kind=ProjectKind.OTHER, status=ProjectStatus.RUNNING
    )
    found = names(field, q="Open Data CKAN")
    assert found.index("Carl Ckan") < found.index("Olga Opendata")


# --- synonyms ------------------------------------------------------------------------
def test_the_seeded_synonyms_expand_the_query(network, make_member):
    make_member(display_name="Xaver Rechner", bio="Wir empfangen X-Rechnung seit 2023.")
    assert "Xaver Rechner" in names(network["planner"], q="XRechnung")
    assert "Xaver Rechner" in names(network["planner"], q="X-Rechnung")
    e_files = {"Erika Expertin", "Paul Praktiker", "Bea Beginn"}
    assert e_files <= set(names(network["planner"], q="elektronische Akte"))
    assert e_files <= set(names(network["planner"], q="Dokumentenmanagement"))


def test_a_vendor_is_found_in_every_spelling_of_the_table(network, make_member):
    vendor = make_member(display_name="Valentin Vendor")
    _done_project(vendor, "Archiv", ["d.velop"], ended_on=timezone.localdate())
    for typed in ("d.velop", "dvelop", "D.Velop"):
        assert names(network["planner"], q=typed) == ["Valentin Vendor"], typed


def test_administrators_add_synonyms_in_the_admin(network, client, admin_member):
    admin_member.is_superuser = True
    admin_member.save()
    client.force_login(admin_member)
    assert names(network["planner"], q="Schichtplanung") == []  # and the table is cached
    assert client.get("/admin/directory/searchsynonym/").status_code == 200
    response = client.post(
        "/admin/directory/searchsynonym/add/",
        {"variants": "Dienstplanung, Schichtplanung", "note": "Prozess"},
    )
    assert response.status_code == 302
    assert SearchSynonym.objects.filter(variants__startswith="Dienstplanung").exists()
    assert names(network["planner"], q="Schichtplanung") == ["Dora Dienstplan"]
    response = client.post(
        f"/admin/directory/searchsynonym/{SearchSynonym.objects.get(variants__startswith='Dienst').pk}"
        "/delete/",
        {"post": "yes"},
    )
    assert response.status_code == 302
    assert names(network["planner"], q="Schichtplanung") == []


def test_a_renamed_field_of_the_taxonomy_shows_its_new_name_at_once(network):
    def first(q):
        search = selectors.member_search(viewer=network["planner"], q=q)
        member = search.members[0]
        return member, search.reasons(member)

    member, reasons = first("E-Akte")  # the taxonomy is cached now
    assert reasons[0] == "Expert:in: E-Akte/DMS"
    field = Expertise.objects.get(slug="e-akte-dms")
    field.name = "Schriftgut und E-Akte"
    field.save()
    member, reasons = first("E-Akte")
    assert reasons[0] == "Expert:in: Schriftgut und E-Akte"
    assert [e.expertise.name for e in member.expertise_entries.all()] == [field.name]


# --- typos ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("enaoi", "Erika Expertin"),
        ("Migraton", "Mia Migration"),
        ("Erfahrungn", "Mia Migration"),
        ("Dienstplanug", "Dora Dienstplan"),
    ],
)
def test_a_typo_in_any_word_still_finds(network, make_member, typed, expected):
    make_member(display_name="Mia Mustermann", bio="Erfahrungen mit der Migration der Altdaten.")
    found = names(network["planner"], q=typed)
    expected = "Mia Mustermann" if expected == "Mia Migration" else expected
    assert expected in found


def test_a_typo_never_widens_into_a_name(network, make_member):
    make_member(display_name="Kunigunde Kellermeister")
    assert names(network["planner"], q="Kellermeistre") == []
    assert names(network["planner"], q="Kellermeister") == ["Kunigunde Kellermeister"]


def test_the_rebuild_forgets_words_no_profile_holds_any_more(network, make_member):
    from io import StringIO

    from django.core.management import call_command

    member = make_member(display_name="Olga Ohnesorg", bio="Zeiterfassung")
    assert names(network["planner"], q="Zeiterfasung") == ["Olga Ohnesorg"]
    services.member_update_profile(member=member, bio="")
    call_command("rebuild_search_index", stdout=StringIO())
    assert names(network["planner"], q="Zeiterfasung") == []
    assert names(network["planner"], q="Dienstplanug") == ["Dora Dienstplan"]


# --- bad input --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "q",
    [
        "E-Akte " * 700,
        "!!! ??? ... ---",
        "und oder die der",
        "enaio:* & !akte | 'x' <-> \"y\"",
        "akte\x00enaio",
        "Akte Ακτή акте 文件 enaio",
        "a" * 5000,
    ],
)
def test_bad_input_is_answered_at_once(network, client, q):
    started = time.monotonic()
    found = names(network["planner"], q=q)
    assert isinstance(found, list)
    client.force_login(network["planner"])
    for sent in (q[:200], q):
        response = client.get("/api/members/", {"q": sent})
        assert response.status_code in {200, 400}
        if response.status_code == 400:  # too long, or NUL: a reason, never a 500
            assert response.json()
    assert client.get("/menschen/", {"q": q}).status_code == 200
    assert time.monotonic() - started < 5


# --- rarity of the words ------------------------------------------------------------
def _running(member, title):
    return _done_project(member, title, [], kind=ProjectKind.PROCESS, status=ProjectStatus.RUNNING)


def _rare_and_common(make_member):
    """Five running projects with a common word, one finished long ago with a rare one."""
    today = timezone.localdate()
    for name in ("Olaf", "Otto", "Oda", "Ole", "Olga"):
        _running(
            make_member(display_name=f"{name} Onlineantrag"), "Onlineantrag Meldebescheinigung"
        )
    rare = make_member(display_name="Wendy Wohngeld")
    _done_project(
        rare,
        "Wohngeld digital",
        [],
        kind=ProjectKind.PROCESS,
        ended_on=dt.date(today.year - 2, 6, 1),
    )
    return rare


def test_a_rare_word_of_the_query_weighs_more_than_a_common_one(make_member):
    # Wendy's project finished two years ago: without rarity, the running projects
    # of the common word would come first (recent practice earns more).
    rare = _rare_and_common(make_member)
    found = names(rare, q="Onlineantrag Wohngeld")
    assert found[0] == "Wendy Wohngeld"
    assert len(found) == 6  # nobody has both words: any of them does


def test_rarity_leaves_a_query_whose_words_are_equally_common_alone(make_member):
    both = make_member(display_name="Bert Beides", bio="Wohngeld und Elterngeld")
    make_member(display_name="Wilma W.", bio="Wohngeld")
    make_member(display_name="Ella E.", bio="Elterngeld")
    assert selectors._rarity([1, 1], 3) == (1.0, 1.0)
    assert selectors._rarity([0, 7], 9) == (1.0, 1.0)
    found = names(both, q="Wohngeld Elterngeld")
    assert found[0] == "Bert Beides"
    assert set(found[1:]) == {"Wilma W.", "Ella E."}


def test_the_rarity_of_a_word_follows_the_profiles_at_once(make_member):
    rare = _rare_and_common(make_member)
    assert names(rare, q="Onlineantrag Wohngeld")[0] == "Wendy Wohngeld"
    # Ten more pilots run a Wohngeld project: now it is the common word of the two.
    for number in range(10):
        _running(make_member(display_name=f"Willi{number} Wohngeld"), "Wohngeld online beantragen")
    assert names(rare, q="Onlineantrag Wohngeld")[0].endswith("Onlineantrag")


def test_a_word_is_counted_once_until_a_profile_changes(make_member):
    rare = _rare_and_common(make_member)

    def counts_in_the_search() -> int:
        with CaptureQueriesContext(connection) as queries:
            names(rare, q="Onlineantrag Wohngeld")
        return sum(q["sql"].count("COUNT(*)") for q in queries.captured_queries)

    first = counts_in_the_search()
    # The same words again, also in another query: the terms' counts are known.
    assert counts_in_the_search() == first - 2
    names(rare, q="Wohngeld Onlineantrag")
    services.member_update_profile(member=rare, bio="Auch Elterngeld.")
    assert counts_in_the_search() == first
