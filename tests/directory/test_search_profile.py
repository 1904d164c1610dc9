"""Editing one's own profile (``member_update_me``): what changes, what stays, and the search."""

import pytest
from django.core.exceptions import ValidationError

from community import services
from community.models import Level
from directory import selectors

pytestmark = pytest.mark.django_db


def declared(member):
    return {e.expertise.slug: e.level for e in member.expertise_entries.all()}


def learning(member):
    return sorted(member.learning_interests.values_list("slug", flat=True))


def test_learning_wishes_alone_keep_the_declared_expertise(member):
    services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.EXPERT})
    services.member_update_me(member=member, learning=["ki-verwaltung"])
    assert declared(member) == {"e-akte-dms": Level.EXPERT}
    assert learning(member) == ["ki-verwaltung"]


def test_declared_expertise_alone_keeps_the_learning_wishes(member):
    services.member_set_expertise(member=member, expertise={}, learning=["smart-city"])
    services.member_update_me(member=member, expertise={"datenschutz": Level.BASIC})
    assert declared(member) == {"datenschutz": Level.BASIC}
    assert learning(member) == ["smart-city"]


def test_profile_fields_alone_leave_expertise_and_wishes_alone(member):
    services.member_set_expertise(
        member=member, expertise={"e-akte-dms": Level.EXPERT}, learning=["smart-city"]
    )
    services.member_update_me(member=member, position="Digitallotsin")
    member.refresh_from_db()
    assert member.position == "Digitallotsin"
    assert declared(member) == {"e-akte-dms": Level.EXPERT}
    assert learning(member) == ["smart-city"]


def test_an_unknown_field_changes_nothing_at_all(member):
    services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.EXPERT})
    old_position = member.position
    with pytest.raises(ValidationError) as raised:
        services.member_update_me(
            member=member, position="Neue Funktion", expertise={"gibt-es-nicht": Level.EXPERT}
        )
    assert "expertise" in raised.value.message_dict
    member.refresh_from_db()
    assert member.position == old_position  # the profile part was rolled back too
    assert declared(member) == {"e-akte-dms": Level.EXPERT}


def test_the_search_sees_the_new_profile_at_once(member, make_member):
    viewer = make_member(display_name="Vera Viewer")
    services.member_update_me(
        member=member,
        department="Standesamt",
        expertise={"digitale-dienstplanung": Level.EXPERT},
    )
    found = selectors.member_search(viewer=viewer, q="Standesamt").members
    assert [m.pk for m in found] == [member.pk]
    experts = selectors.member_search(
        viewer=viewer, expertise="digitale-dienstplanung", level=Level.EXPERT
    ).members
    assert [m.pk for m in experts] == [member.pk]


def test_patch_me_with_a_bad_field_keeps_the_profile(member_api, member):
    response = member_api.patch(
        "/api/members/me/",
        {"position": "Neu", "expertise": [{"slug": "gibt-es-nicht", "level": "expert"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "expertise" in response.json()
    member.refresh_from_db()
    assert member.position != "Neu"


def test_patch_me_with_learning_only_keeps_the_declared_fields(member_api, member):
    services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.EXPERT})
    response = member_api.patch("/api/members/me/", {"learning": ["smart-city"]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["expertise"] == [{"slug": "e-akte-dms", "level": "expert"}]
    assert response.json()["learning"] == ["smart-city"]
