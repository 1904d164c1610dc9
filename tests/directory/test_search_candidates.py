"""Scoring only candidates: the best members per word of a broad query, not every match.

On PostgreSQL the backend keeps per member and word what the word is worth
(``directory_membersearchterm``); the services keep it in step with the
documents. The ranking of a query with more matches than ``COUNT_LIMIT``
scores only the best per word; up to that many, all of them (both backends).
"""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from community import services
from community.models import Level, ProjectKind, ProjectStatus
from directory import selectors

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the word weights are PostgreSQL's"
)


def _weights(member_id: int) -> dict[str, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme, weight FROM directory_membersearchterm WHERE member_id = %s",
            [member_id],
        )
        return dict(cursor.fetchall())


def _names(viewer, q: str) -> list[str]:
    return [m.display_name for m in selectors.member_search(viewer=viewer, q=q).members[0:20]]


@postgres_only
def test_declared_expertise_and_done_projects_make_a_word_weigh_more(member, make_member):
    services.member_update_profile(member=member, bio="Ich habe von enaio gehört.")
    mentioned = _weights(member.pk)["enaio"]
    services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.EXPERT})
    # A word of the field's name, at the level declared (and its text rank).
    assert max(_weights(member.pk).values()) > 1.5 * Level.EXPERT
    services.project_create(
        created_by=member,
        municipality=member.municipality,
        title="Einführung enaio",
        kind=ProjectKind.EAKTE,
        status=ProjectStatus.DONE,
        tools=["enaio"],
        members=[member],
    )
    assert _weights(member.pk)["enaio"] > mentioned + 4


@postgres_only
def test_a_deactivated_member_has_no_word_weights(member):
    services.member_update_profile(member=member, bio="Standesamt")
    assert _weights(member.pk)
    services.member_deactivate(member=member)
    assert _weights(member.pk) == {}


@postgres_only
def test_rebuilding_the_index_refills_the_word_weights(member):
    services.member_update_profile(member=member, bio="Standesamt")
    before = _weights(member.pk)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM directory_membersearchterm")
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _weights(member.pk) == before


@postgres_only
def test_the_daily_refresh_brings_the_word_weights_into_the_new_year(member, monkeypatch):
    def frozen(day):
        at = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        monkeypatch.setattr(timezone, "now", lambda: at)

    frozen(dt.date(2026, 12, 31))
    services.project_create(
        created_by=member,
        municipality=member.municipality,
        title="Wohngeld digital",
        kind=ProjectKind.PROCESS,
        status=ProjectStatus.DONE,
        tools=[],
        members=[member],
        ended_on=dt.date(2026, 12, 1),
    )
    call_command("refresh_search_terms", stdout=io.StringIO())  # stamps the year
    this_year = _weights(member.pk)["wohngeld"]
    out = io.StringIO()
    call_command("refresh_search_terms", stdout=out)
    assert out.getvalue() == ""  # the same year: nothing to do
    frozen(dt.date(2027, 1, 1))
    assert _weights(member.pk)["wohngeld"] == this_year  # stored as of 2026
    call_command("refresh_search_terms", stdout=out)
    assert "neu berechnet" in out.getvalue()
    # A project of last year earns a third less of the recency bonus (1.5 → 1.0).
    assert _weights(member.pk)["wohngeld"] == pytest.approx(this_year - 0.5)


@postgres_only
def test_members_of_equal_standing_in_a_word_are_weighed_by_its_text_rank(make_member):
    once = make_member(display_name="Einmal", bio="Wir nutzen civento.")
    often = make_member(display_name="Oft", bio="civento hier, civento da, civento überall.")
    assert _weights(often.pk)["civento"] > _weights(once.pk)["civento"]


def test_members_of_equal_weight_are_cut_by_name_as_the_ranking_orders_them(
    make_member, municipality, monkeypatch
):
    viewer = make_member(municipality=municipality, display_name="Vera Viewer")
    for name in ("Zora Z.", "Yann Y.", "Anna A.", "Bert B."):  # the later, the higher the id
        make_member(municipality=municipality, display_name=name, bio="Wir nutzen civento.")
    everyone = _names(viewer, "civento")
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 2)
    monkeypatch.setattr(selectors, "CANDIDATES_PER_WORD", 2)
    search = selectors.member_search(viewer=viewer, q="civento")
    found = [m.display_name for m in search.members[0:2]]
    assert found == everyone[:2] == ["Anna A.", "Bert B."]


def _broad_network(make_member, municipality):
    """Five members who mention enaio, one who has introduced it and declares the field."""
    viewer = make_member(municipality=municipality, display_name="Vera Viewer")
    for n in range(5):
        make_member(display_name=f"Erwähnt {n}", bio="Wir schauen uns enaio an.")
    expert = make_member(display_name="Erika Expertin")
    services.member_set_expertise(member=expert, expertise={"e-akte-dms": Level.EXPERT})
    services.project_create(
        created_by=expert,
        municipality=expert.municipality,
        title="Einführung enaio",
        kind=ProjectKind.EAKTE,
        status=ProjectStatus.DONE,
        tools=["enaio"],
        members=[expert],
    )
    return viewer


def test_more_matches_than_are_scored_still_rank_the_best_first(
    make_member, municipality, monkeypatch
):
    viewer = _broad_network(make_member, municipality)
    everyone = _names(viewer, "enaio")
    # Six matches, more than the (lowered) limit: PostgreSQL scores two per word.
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    monkeypatch.setattr(selectors, "CANDIDATES_PER_WORD", 2)
    search = selectors.member_search(viewer=viewer, q="enaio")
    found = [m.display_name for m in search.members[0:1]]
    assert found == ["Erika Expertin"] == everyone[:1]
    assert search.members.count() == 3
    assert search.members.count_is_capped


def test_up_to_the_count_limit_every_match_is_scored(make_member, municipality, monkeypatch):
    viewer = _broad_network(make_member, municipality)
    everyone = _names(viewer, "enaio")
    monkeypatch.setattr(selectors, "CANDIDATES_PER_WORD", 1)
    assert _names(viewer, "enaio") == everyone
    assert len(everyone) == 6


def test_filters_rank_all_their_matches(make_member, municipality, monkeypatch):
    viewer = _broad_network(make_member, municipality)
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    monkeypatch.setattr(selectors, "CANDIDATES_PER_WORD", 1)
    search = selectors.member_search(viewer=viewer, q="enaio", expertise="e-akte-dms")
    assert [m.display_name for m in search.members[0:20]] == ["Erika Expertin"]
