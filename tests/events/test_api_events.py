"""The events API as the contract (docs/api.md) describes it."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import Role
from events import services
from events.models import Event, Signup
from tests.events.conftest import in_days

pytestmark = pytest.mark.django_db

CONTRACT_FIELDS = {
    "title",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "format",
    "location",
    "online_url",
    "capacity",
    "confirmed_count",
    "waitlist_count",
    "my_status",
}


def payload(**overrides):
    body = {
        "title": "Workshop E-Akte",
        "kind": "workshop",
        "description": "Wir **üben** die E-Akte.",
        "starts_at": "2027-03-10T09:00:00+01:00",
        "ends_at": "2027-03-10T12:30:00+01:00",
        "timezone": "Europe/Berlin",
        "format": "hybrid",
        "location": "Rathaus Wetzlar",
        "online_url": "https://meet.example/e-akte",
        "capacity": 20,
        "agenda": [
            {"starts_at": "09:00", "ends_at": "09:15", "title": "Begrüßung", "speaker": "Olga"},
            {"starts_at": "09:15", "title": "Praxis"},
        ],
    }
    body.update(overrides)
    return body


# --- list -------------------------------------------------------------------------
def test_list_shows_the_contract_fields_with_counts_and_own_status(member_api, member, event):
    services.signup_create(event=event, member=member)
    response = member_api.get("/api/events/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    item = body["results"][0]
    assert set(item) >= CONTRACT_FIELDS
    assert item["confirmed_count"] == 1
    assert item["waitlist_count"] == 0
    assert item["my_status"] == "confirmed"
    assert item["online_url"] == "https://meet.example/x"
    assert item["starts_at"].endswith(("+01:00", "+02:00"))
    assert dt.datetime.fromisoformat(item["starts_at"]) == event.starts_at


def test_online_url_is_hidden_from_members_who_are_not_confirmed(member_api, event):
    item = member_api.get(f"/api/events/{event.pk}/").json()
    assert item["online_url"] is None
    assert item["my_status"] is None


def test_list_filters_from_and_to(member_api, make_event):
    make_event(title="Bald", days=3)
    make_event(title="Später", days=40)

    def titles(query):
        return [e["title"] for e in member_api.get("/api/events/" + query).json()["results"]]

    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    assert titles(f"?to={soon}") == ["Bald"]
    assert titles(f"?from={soon}") == ["Später"]
    assert titles("") == ["Bald", "Später"]


@pytest.mark.parametrize(
    "query",
    ["?from=gestern", "?to=2026-13-45", "?kind=party", "?event_format=telepathie", "?state=XX"],
)
def test_list_with_bad_filters_is_a_400_naming_the_filter(member_api, query):
    response = member_api.get("/api/events/" + query)
    assert response.status_code == 400
    assert query[1:].split("=")[0] in response.json()


def test_list_runs_a_fixed_number_of_queries(
    member_api, member, make_event, make_member, django_assert_num_queries
):
    others = [make_member() for _ in range(3)]
    for n in range(2):
        services.signup_create(event=make_event(title=f"T{n}", capacity=1), member=others[n])
    with CaptureQueriesContext(connection) as few:
        assert member_api.get("/api/events/").status_code == 200
    for n in range(2, 12):
        event = make_event(
            title=f"T{n}", capacity=1, agenda=[{"starts_at": dt.time(9), "title": "A"}]
        )
        for person in others:
            services.signup_create(event=event, member=person)
    with django_assert_num_queries(len(few.captured_queries)):
        response = member_api.get("/api/events/?page_size=100")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 12
    assert results[-1]["waitlist_count"] == 2


def test_unauthenticated_requests_get_no_data(api_client, event):
    assert api_client.get("/api/events/").status_code in (401, 403)
    assert api_client.get(f"/api/events/{event.pk}/ics").status_code in (401, 403)
    assert api_client.post(f"/api/events/{event.pk}/signup/").status_code in (401, 403)


# --- audience -----------------------------------------------------------------------
def test_events_for_another_municipality_look_like_missing_ones(
    member_api, make_event, make_municipality, make_member, admin_member
):
    elsewhere = make_municipality(name="Fulda", state="HE")
    hidden = make_event(
        created_by=admin_member, audience="municipality", audience_municipality=elsewhere
    )
    for_hessen = make_event(created_by=admin_member, audience="state", audience_state="HE")
    for_bw = make_event(created_by=admin_member, audience="state", audience_state="BW")
    ids = [e["id"] for e in member_api.get("/api/events/").json()["results"]]
    assert ids == [for_hessen.pk]
    for pk in (hidden.pk, for_bw.pk, 999999):
        assert member_api.get(f"/api/events/{pk}/").status_code == 404
        assert member_api.post(f"/api/events/{pk}/signup/").status_code == 404
        assert member_api.get(f"/api/events/{pk}/ics").status_code == 404


# --- create / change / cancel --------------------------------------------------------
def test_coordinators_create_events_and_become_organizers(organizer_api, organizer):
    response = organizer_api.post("/api/events/", payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["description_html"] == "<p>Wir <strong>üben</strong> die E-Akte.</p>"
    assert [o["id"] for o in body["organizers"]] == [organizer.pk]
    assert body["hosting_municipality"] == organizer.municipality.slug
    assert [a["title"] for a in body["agenda"]] == ["Begrüßung", "Praxis"]
    assert body["online_url"] == "https://meet.example/e-akte"  # organizers see it
    assert body["starts_at"] == "2027-03-10T09:00:00+01:00"
    assert body["can_manage"] is True


def test_members_cannot_create_events(member_api):
    response = member_api.post("/api/events/", payload(), format="json")
    assert response.status_code == 403
    assert "detail" in response.json()
    assert not Event.objects.exists()


def test_coordinators_host_only_in_their_own_municipality(organizer_api, make_municipality):
    make_municipality(name="Fulda")
    response = organizer_api.post(
        "/api/events/", payload(hosting_municipality="fulda"), format="json"
    )
    assert response.status_code == 403
    assert not Event.objects.exists()


def test_moderators_create_network_wide_events_without_a_host(api_client, moderator):
    api_client.force_authenticate(moderator)
    response = api_client.post("/api/events/", payload(hosting_municipality=None), format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2027-03-10T08:00:00+01:00"}, "ends_at"),
        ({"starts_at": "2027-03-10T09:00:00"}, "starts_at"),
        ({"starts_at": "morgen"}, "starts_at"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": -3}, "capacity"),
        ({"format": "telepathie"}, "format"),
        ({"kind": "party"}, "kind"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"audience": "state"}, "audience_state"),
        ({"audience": "municipality"}, "audience_municipality"),
        ({"agenda": [{"starts_at": "10:00", "ends_at": "09:00", "title": "X"}]}, "agenda"),
        ({"agenda": [{"title": "ohne Zeit"}]}, "agenda"),
        ({"organizers": [999999]}, "organizers"),
    ],
)
def test_bad_event_input_names_the_field_and_stores_nothing(organizer_api, overrides, field):
    response = organizer_api.post("/api/events/", payload(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not Event.objects.exists()


def test_malformed_json_is_a_400(organizer_api):
    response = organizer_api.post("/api/events/", "{kaputt", content_type="application/json")
    assert response.status_code == 400


def test_organizers_change_an_event_and_sequence_grows(organizer_api, event):
    response = organizer_api.patch(
        f"/api/events/{event.pk}/", {"title": "Neuer Titel", "capacity": 10}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Neuer Titel"
    assert response.json()["sequence"] == 1


def test_capacity_below_the_confirmed_seats_is_a_400_and_nothing_changes(
    organizer_api, event, make_member
):
    for _ in range(2):
        services.signup_create(event=event, member=make_member())
    response = organizer_api.patch(f"/api/events/{event.pk}/", {"capacity": 1}, format="json")
    assert response.status_code == 400
    assert "capacity" in response.json()
    event.refresh_from_db()
    assert event.capacity == 2


def test_others_cannot_change_or_cancel_an_event(member_api, event):
    assert (
        member_api.patch(f"/api/events/{event.pk}/", {"title": "X"}, format="json").status_code
        == 403
    )
    assert member_api.delete(f"/api/events/{event.pk}/").status_code == 403
    event.refresh_from_db()
    assert event.title != "X" and event.status == "scheduled"


def test_delete_cancels_the_event_which_stays_visible(api_client, organizer, member, event):
    from rest_framework.test import APIClient

    organizer_api, member_api = APIClient(), api_client
    organizer_api.force_authenticate(organizer)
    member_api.force_authenticate(member)
    assert organizer_api.delete(f"/api/events/{event.pk}/").status_code == 204
    body = member_api.get(f"/api/events/{event.pk}/").json()
    assert body["status"] == "cancelled"
    response = member_api.post(f"/api/events/{event.pk}/signup/")
    assert response.status_code == 400
    assert "abgesagt" in str(response.json())


def test_moderators_manage_any_event(api_client, moderator, event):
    api_client.force_authenticate(moderator)
    response = api_client.patch(f"/api/events/{event.pk}/", {"signups_closed": True}, format="json")
    assert response.status_code == 200
    assert response.json()["signups_closed"] is True


# --- signup ------------------------------------------------------------------------
def test_signup_returns_status_and_position(api_client, event, make_member):
    results = []
    for _ in range(3):
        api_client.force_authenticate(make_member())
        response = api_client.post(f"/api/events/{event.pk}/signup/")
        assert response.status_code == 201
        results.append(response.json())
    assert results == [
        {"status": "confirmed", "position": None},
        {"status": "confirmed", "position": None},
        {"status": "waitlisted", "position": 1},
    ]


def test_signup_delete_cancels_and_moves_the_first_waitlisted_up(api_client, event, make_member):
    people = [make_member() for _ in range(3)]
    for person in people:
        services.signup_create(event=event, member=person)
    api_client.force_authenticate(people[0])
    assert api_client.delete(f"/api/events/{event.pk}/signup/").status_code == 204
    api_client.force_authenticate(people[2])
    body = api_client.get(f"/api/events/{event.pk}/").json()
    assert body["my_status"] == "confirmed"
    assert (body["confirmed_count"], body["waitlist_count"]) == (2, 0)


def test_double_signup_and_cancel_without_signup_are_400s_with_a_reason(member_api, event):
    assert member_api.post(f"/api/events/{event.pk}/signup/").status_code == 201
    second = member_api.post(f"/api/events/{event.pk}/signup/")
    assert second.status_code == 400
    assert "schon angemeldet" in str(second.json())
    assert member_api.delete(f"/api/events/{event.pk}/signup/").status_code == 204
    again = member_api.delete(f"/api/events/{event.pk}/signup/")
    assert again.status_code == 400
    assert Signup.objects.filter(event=event).count() == 1


def test_signup_after_the_deadline_is_a_400(member_api, make_event):
    event = make_event(signup_deadline=in_days(1))
    Event.objects.filter(pk=event.pk).update(signup_deadline=in_days(-1))
    response = member_api.post(f"/api/events/{event.pk}/signup/")
    assert response.status_code == 400
    assert "Anmeldeschluss" in str(response.json())


# --- attendees and feed ------------------------------------------------------------------
def test_organizers_see_add_and_remove_attendees(organizer_api, event, make_member):
    people = [make_member() for _ in range(3)]
    for person in people[:2]:
        services.signup_create(event=event, member=person)
    response = organizer_api.post(
        f"/api/events/{event.pk}/attendees/", {"member": people[2].pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "waitlisted"
    listing = organizer_api.get(f"/api/events/{event.pk}/attendees/").json()
    assert [a["member"]["id"] for a in listing["results"]] == [p.pk for p in people]
    assert (
        organizer_api.delete(f"/api/events/{event.pk}/attendees/{people[0].pk}/").status_code == 204
    )
    listing = organizer_api.get(f"/api/events/{event.pk}/attendees/").json()
    assert [(a["member"]["id"], a["status"]) for a in listing["results"]] == [
        (people[1].pk, "confirmed"),
        (people[2].pk, "confirmed"),
    ]


def test_members_do_not_see_the_attendee_list(member_api, event):
    assert member_api.get(f"/api/events/{event.pk}/attendees/").status_code == 403


def test_the_feed_endpoint_gives_a_secret_url_and_renews_it(member_api, client):
    first = member_api.get("/api/events/feed/").json()["url"]
    assert member_api.get("/api/events/feed/").json()["url"] == first
    renewed = member_api.post("/api/events/feed/").json()["url"]
    assert renewed != first
    path = renewed.removeprefix("http://testserver")
    assert client.get(path).status_code == 200
    assert client.get(first.removeprefix("http://testserver")).status_code == 404


def test_event_schema_is_documented(member_api):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in [
        "/api/events/",
        "/api/events/{id}/",
        "/api/events/{id}/signup/",
        "/api/events/{id}/ics",
        "/api/events/feed/",
    ]:
        assert path in schema["paths"], path
    ics = schema["paths"]["/api/events/{id}/ics"]["get"]["responses"]["200"]["content"]
    assert "text/calendar" in ics


def test_roles_that_may_create_events(make_member):
    from events.access import can_create_events

    assert not can_create_events(make_member(role=Role.MEMBER))
    assert can_create_events(make_member(role=Role.COORDINATOR))
    assert can_create_events(make_member(role=Role.MODERATOR))
    assert can_create_events(make_member(role=Role.ADMIN))


def test_calendar_clients_asking_for_text_calendar_get_it(member_api, event):
    response = member_api.get(f"/api/events/{event.pk}/ics", HTTP_ACCEPT="text/calendar")
    assert response.status_code == 200
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")
    missing = member_api.get("/api/events/999999/ics", HTTP_ACCEPT="text/calendar")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/events/99999999999999999999999/",
        "/api/events/99999999999999999999999/ics",
        "/api/events/99999999999999999999999/signup/",
    ],
)
def test_ids_beyond_the_database_range_are_404_not_500(member_api, url):
    assert member_api.get(url).status_code in (404, 405)
    assert member_api.post(url).status_code in (404, 405)


def test_removing_an_impossible_attendee_id_is_404(organizer_api, event):
    url = f"/api/events/{event.pk}/attendees/99999999999999999999999/"
    assert organizer_api.delete(url).status_code == 404


@pytest.mark.parametrize("query", ["?from=0001-01-01", "?to=9999-12-31", "?from=0001-01-01T00:00"])
def test_filter_dates_out_of_range_are_400(member_api, query):
    assert member_api.get("/api/events/" + query).status_code == 400


def test_attendee_list_runs_a_fixed_number_of_queries(
    organizer_api, event, make_member, django_assert_num_queries
):
    for _ in range(2):
        services.signup_create(event=event, member=make_member())
    with CaptureQueriesContext(connection) as few:
        assert organizer_api.get(f"/api/events/{event.pk}/attendees/").status_code == 200
    for _ in range(10):
        services.signup_create(event=event, member=make_member())
    with django_assert_num_queries(len(few.captured_queries)):
        response = organizer_api.get(f"/api/events/{event.pk}/attendees/?page_size=100")
    assert response.status_code == 200
    assert response.json()["count"] == 12


def test_signups_can_be_closed_when_the_event_is_created(organizer_api):
    response = organizer_api.post("/api/events/", payload(signups_closed=True), format="json")
    assert response.status_code == 201
    assert response.json()["signups_closed"] is True


def test_the_mine_filter_keeps_the_counts_right(member_api, member, event, make_member):
    services.signup_create(event=event, member=make_member())
    services.signup_create(event=event, member=member)
    services.signup_create(event=event, member=make_member())
    results = member_api.get("/api/events/?mine=true").json()["results"]
    assert [(r["id"], r["confirmed_count"], r["waitlist_count"]) for r in results] == [
        (event.pk, 2, 1)
    ]
