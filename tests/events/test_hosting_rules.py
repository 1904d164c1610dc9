"""Who may host an event in which municipality: one rule (events.access.can_host_in),
enforced by the services for page and API alike; the form only offers what it allows."""

import pytest
from django.core.exceptions import ValidationError

from community.models import Role
from events import access, services
from events.models import Event
from tests.events.conftest import in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def fulda(make_municipality):
    return make_municipality(name="Fulda", state="HE")


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def form(**changes):
    return {
        "title": "Lernrunde",
        "kind": "workshop",
        "starts_at": "2027-03-27T10:00",
        "ends_at": "2027-03-27T12:00",
        "timezone": "Europe/Berlin",
        "format": "in_person",
        "audience": "network",
        **changes,
    }


def api_payload(**changes):
    return {
        "title": "Lernrunde",
        "kind": "workshop",
        "starts_at": "2027-03-27T10:00:00+01:00",
        "ends_at": "2027-03-27T12:00:00+01:00",
        "timezone": "Europe/Berlin",
        "format": "in_person",
        **changes,
    }


# --- a coordinator of one municipality hosting in another -------------------------------
def test_a_coordinator_cannot_host_in_another_municipality_via_the_page(organizer_client, fulda):
    response = organizer_client.post("/termine/neu/", form(hosting_municipality=fulda.pk))
    assert response.status_code == 200
    assert "hosting_municipality" in response.context["form"].errors
    assert not Event.objects.exists()


def test_a_coordinator_cannot_host_in_another_municipality_via_the_api(
    api_client, organizer, fulda
):
    api_client.force_authenticate(organizer)
    response = api_client.post(
        "/api/events/", api_payload(hosting_municipality="fulda"), format="json"
    )
    assert response.status_code == 403
    assert "eigene Kommune" in response.json()["detail"]
    assert not Event.objects.exists()


def test_the_service_refuses_another_municipality_as_host(organizer, fulda):
    with pytest.raises(ValidationError) as refused:
        services.event_create(
            created_by=organizer,
            title="Lernrunde",
            starts_at=in_days(7),
            ends_at=in_days(7, hour=12),
            hosting_municipality=fulda,
        )
    assert refused.value.error_dict["hosting_municipality"][0].code == "host_forbidden"
    assert not Event.objects.exists()


def test_an_organizer_cannot_move_their_event_to_another_host(organizer, make_event, fulda):
    event = make_event()
    with pytest.raises(ValidationError) as refused:
        services.event_update(event=event, by=organizer, hosting_municipality=fulda)
    assert refused.value.error_dict["hosting_municipality"][0].code == "host_forbidden"
    event.refresh_from_db()
    assert event.hosting_municipality == organizer.municipality


# --- a plain member who organises an event --------------------------------------------
@pytest.fixture
def plain_organizer(make_member, municipality):
    return make_member(municipality=municipality, role=Role.MEMBER, display_name="Paul Plain")


@pytest.fixture
def fulda_event(make_event, admin_member, plain_organizer, fulda):
    return make_event(
        created_by=admin_member, hosting_municipality=fulda, organizers=[plain_organizer]
    )


def test_a_plain_organizer_cannot_make_their_town_host_via_the_page(
    client, plain_organizer, fulda_event, fulda
):
    client.force_login(plain_organizer)
    local = fulda_event.local_starts_at
    data = form(
        title=fulda_event.title,
        starts_at=local.strftime("%Y-%m-%dT%H:%M"),
        ends_at=fulda_event.local_ends_at.strftime("%Y-%m-%dT%H:%M"),
    )
    for host in ("", plain_organizer.municipality_id):  # left empty: "my own", and named
        response = client.post(
            f"/termine/{fulda_event.pk}/bearbeiten/", {**data, "hosting_municipality": host}
        )
        assert response.status_code == 200
        assert "hosting_municipality" in response.context["form"].errors
    fulda_event.refresh_from_db()
    assert fulda_event.hosting_municipality == fulda


def test_a_plain_organizer_cannot_make_their_town_host_via_the_api(
    api_client, plain_organizer, fulda_event, fulda, municipality
):
    api_client.force_authenticate(plain_organizer)
    response = api_client.patch(
        f"/api/events/{fulda_event.pk}/",
        {"hosting_municipality": municipality.slug},
        format="json",
    )
    assert response.status_code == 403
    fulda_event.refresh_from_db()
    assert fulda_event.hosting_municipality == fulda


def test_the_form_offers_only_the_hosts_the_rule_allows(
    organizer, plain_organizer, moderator, fulda, municipality
):
    assert list(access.host_choices(organizer)) == [municipality]
    assert list(access.host_choices(plain_organizer)) == []
    assert set(access.host_choices(moderator)) >= {municipality, fulda}
    assert list(access.audience_choices(plain_organizer)) == [municipality]


def test_an_organizer_keeps_editing_an_event_whose_host_they_could_not_pick_today(
    client, plain_organizer, make_event, admin_member, municipality
):
    """An unchanged host is no new hosting: the plain organizer edits the title."""
    event = make_event(
        created_by=admin_member, hosting_municipality=municipality, organizers=[plain_organizer]
    )
    client.force_login(plain_organizer)
    response = client.post(
        f"/termine/{event.pk}/bearbeiten/",
        form(
            title="Umbenannt",
            starts_at=event.local_starts_at.strftime("%Y-%m-%dT%H:%M"),
            ends_at=event.local_ends_at.strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Umbenannt" and event.hosting_municipality == municipality
