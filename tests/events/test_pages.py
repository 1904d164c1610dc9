"""The event pages: agenda, month grid, archive, event page, organizer pages, forms."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.models import Role
from events import services
from events.models import Event, Signup
from tests.events.conftest import in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def test_agenda_lists_upcoming_events_but_not_past_ones(member_client, make_event):
    make_event(title="Kommt bald")
    make_event(title="War einmal", starts_at=in_days(-10), ends_at=in_days(-10, hour=12))
    html = member_client.get("/termine/").content.decode()
    assert "Kommt bald" in html
    assert "War einmal" not in html
    archive = member_client.get("/termine/archiv/").content.decode()
    assert "War einmal" in archive and "Kommt bald" not in archive


def test_agenda_filters_by_kind_format_state_and_own_events(
    member_client, member, make_event, admin_member, make_municipality
):
    make_event(title="Seminar vor Ort", kind="seminar")
    make_event(title="Webinar online", kind="webinar", format="online")
    offenburg = make_municipality(name="Offenburg", state="BW")
    make_event(title="In Baden", created_by=admin_member, hosting_municipality=offenburg)
    mine = make_event(title="Mein Workshop", kind="workshop")
    services.signup_create(event=mine, member=member)

    def titles(query):
        html = member_client.get("/termine/" + query).content.decode()
        return set(re.findall(r'<h2 class="event-title"><a href="[^"]+">([^<]+)</a>', html))

    assert titles("?kind=seminar") == {"Seminar vor Ort"}
    assert titles("?format=online") == {"Webinar online"}
    assert titles("?state=BW") == {"In Baden"}
    assert titles("?mine=1") == {"Mein Workshop"}
    assert len(titles("?kind=unsinn")) == 4  # unknown values are ignored


@pytest.mark.parametrize("url", ["/termine/", "/termine/archiv/", "/termine/monat/"])
def test_calendar_pages_run_a_fixed_number_of_queries(
    member_client, member, make_event, make_member, url, django_assert_num_queries
):
    def fill(start, stop):
        for n in range(start, stop):
            days = (n % 20) + 1 if url != "/termine/archiv/" else -((n % 20) + 1)
            event = make_event(
                title=f"Termin {n}",
                starts_at=in_days(days),
                ends_at=in_days(days, hour=12),
                capacity=1,
                agenda=[{"starts_at": dt.time(10), "title": "Start"}],
            )
            if days > 0:
                services.signup_create(event=event, member=make_member())
                services.signup_create(event=event, member=member)

    fill(0, 2)
    with CaptureQueriesContext(connection) as few:
        assert member_client.get(url).status_code == 200
    fill(2, 15)
    with django_assert_num_queries(len(few.captured_queries)):
        response = member_client.get(url)
    assert response.status_code == 200


def test_month_grid_is_an_accessible_table_with_the_event_on_its_day(member_client, make_event):
    starts = timezone.make_aware(dt.datetime(2027, 2, 17, 14))
    make_event(title="Februar-Treffen", starts_at=starts, ends_at=starts + dt.timedelta(hours=2))
    html = member_client.get("/termine/monat/2027/2/").content.decode()
    assert "<caption>Termine im Februar 2027</caption>" in html
    assert html.count('<th scope="col">') == 7
    day = html.split('datetime="2027-02-17"')[1].split("</td>")[0]
    assert "14:00 Februar-Treffen" in day
    assert 'rel="prev"' in html and "/termine/monat/2027/1/" in html
    assert "/termine/monat/2027/3/" in html


@pytest.mark.parametrize("url", ["/termine/monat/2027/13/", "/termine/monat/2027/0/"])
def test_impossible_months_are_404(member_client, url):
    assert member_client.get(url).status_code == 404


def test_event_page_shows_seats_and_signs_up_and_off(member_client, member, event):
    html = member_client.get(f"/termine/{event.pk}/").content.decode()
    assert 'data-ws-path="/ws/events/' in html
    assert "meet.example" not in html  # the online link is for confirmed participants
    response = member_client.post(f"/termine/{event.pk}/anmelden/", follow=True)
    html = response.content.decode()
    assert "Ihr Platz ist bestätigt" in html
    assert "meet.example/x" in html
    assert Signup.objects.get(member=member).status == "confirmed"
    response = member_client.post(f"/termine/{event.pk}/abmelden/", follow=True)
    assert "Sie sind abgemeldet" in response.content.decode()


def test_a_full_event_puts_the_member_on_the_waiting_list_with_a_position(
    member_client, event, make_member
):
    for _ in range(2):
        services.signup_create(event=event, member=make_member())
    html = member_client.post(f"/termine/{event.pk}/anmelden/", follow=True).content.decode()
    assert "Platz 1 der Warteliste" in html


def test_signup_by_get_is_not_possible(member_client, event):
    assert member_client.get(f"/termine/{event.pk}/anmelden/").status_code == 405


def test_event_page_has_no_inline_script(member_client, event):
    html = member_client.get(f"/termine/{event.pk}/").content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_invisible_and_missing_events_look_the_same(
    member_client, make_event, admin_member, make_municipality
):
    elsewhere = make_municipality(name="Kassel")
    hidden = make_event(
        created_by=admin_member, audience="municipality", audience_municipality=elsewhere
    )
    assert member_client.get(f"/termine/{hidden.pk}/").status_code == 404
    assert member_client.get("/termine/999999/").status_code == 404


def test_organizers_see_the_attendee_list_and_export_it_as_csv(
    organizer_client, event, make_member
):
    tricky = make_member(display_name="=HYPERLINK(1)")
    services.signup_create(event=event, member=tricky)
    html = organizer_client.get(f"/termine/{event.pk}/teilnehmende/").content.decode()
    assert "=HYPERLINK(1)" in html
    response = organizer_client.get(f"/termine/{event.pk}/teilnehmende.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffName;")
    assert "'=HYPERLINK(1);" in text  # no formula injection


def test_members_do_not_reach_the_organizer_pages(member_client, event):
    for url in ("teilnehmende/", "teilnehmende.csv", "bearbeiten/", "absagen/"):
        assert member_client.get(f"/termine/{event.pk}/{url}").status_code == 403
    assert member_client.post(f"/termine/{event.pk}/anmeldung-schliessen/").status_code == 403


def test_organizers_add_and_remove_people(organizer_client, event, member):
    response = organizer_client.post(
        f"/termine/{event.pk}/teilnehmende/", {"email": member.email}, follow=True
    )
    assert "ist eingetragen" in response.content.decode()
    organizer_client.post(f"/termine/{event.pk}/teilnehmende/{member.pk}/austragen/")
    assert Signup.objects.get(member=member).status == "cancelled"
    response = organizer_client.post(
        f"/termine/{event.pk}/teilnehmende/", {"email": "niemand@example.org"}
    )
    assert "kein aktives Mitglied" in response.content.decode()


def test_organizers_close_signups_and_cancel_the_event(
    organizer_client, event, member, django_capture_on_commit_callbacks
):
    services.signup_create(event=event, member=member)
    organizer_client.post(f"/termine/{event.pk}/anmeldung-schliessen/", {"closed": "1"})
    event.refresh_from_db()
    assert event.signups_closed
    with django_capture_on_commit_callbacks(execute=True):
        organizer_client.post(f"/termine/{event.pk}/absagen/")
    event.refresh_from_db()
    assert event.status == "cancelled"
    assert member.email in [m.to[0] for m in mail.outbox]


def test_coordinators_create_an_event_with_wall_clock_times(organizer_client, organizer):
    response = organizer_client.post(
        "/termine/neu/",
        {
            "title": "Lernrunde",
            "kind": "workshop",
            "starts_at": "2027-03-27T10:00",
            "ends_at": "2027-03-28T12:00",
            "timezone": "Europe/Berlin",
            "format": "in_person",
            "audience": "network",
            "agenda": "10:00–10:30 | Begrüßung | Olga\n11:00 | Praxis",
            "capacity": "12",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get()
    assert event.starts_at == dt.datetime(2027, 3, 27, 9, tzinfo=dt.UTC)  # CET
    assert event.ends_at == dt.datetime(2027, 3, 28, 10, tzinfo=dt.UTC)  # CEST
    assert [a.title for a in event.agenda_items.all()] == ["Begrüßung", "Praxis"]
    assert event.hosting_municipality == organizer.municipality
    assert list(event.organizers.all()) == [organizer]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_at": "2027-03-28T02:30"}, "gibt es in Europe/Berlin nicht"),
        ({"ends_at": "2027-03-27T09:00"}, "Das Ende muss nach dem Beginn liegen"),
        ({"timezone": "Europe/Wetzlar"}, "keine bekannte Zeitzone"),
        ({"agenda": "Kaffee ohne Uhrzeit"}, "Zeile 1"),
    ],
)
def test_bad_form_input_is_shown_on_the_form_and_nothing_is_stored(
    organizer_client, changes, message
):
    data = {
        "title": "Lernrunde",
        "kind": "workshop",
        "starts_at": "2027-03-27T10:00",
        "ends_at": "2027-03-28T12:00",
        "timezone": "Europe/Berlin",
        "format": "in_person",
        "audience": "network",
        **changes,
    }
    response = organizer_client.post("/termine/neu/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_organizers_edit_an_event(organizer_client, event):
    page = organizer_client.get(f"/termine/{event.pk}/bearbeiten/").content.decode()
    assert 'value="Netzwerktreffen Mittelhessen"' in page
    local = event.local_starts_at
    response = organizer_client.post(
        f"/termine/{event.pk}/bearbeiten/",
        {
            "title": "Umbenannt",
            "kind": event.kind,
            "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": event.local_ends_at.strftime("%Y-%m-%dT%H:%M"),
            "timezone": "Europe/Berlin",
            "format": event.format,
            "audience": "network",
            "capacity": "5",
        },
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Umbenannt" and event.capacity == 5 and event.sequence == 1


def test_members_cannot_open_the_create_form(member_client):
    assert member_client.get("/termine/neu/").status_code == 403


def test_feed_settings_show_the_url_and_renew_it(member_client, member):
    first = member_client.get("/termine/kalender-abo/").content.decode()
    url = re.search(r'value="(http://testserver/termine/feed/[^"]+\.ics)"', first)[1]
    member_client.post("/termine/kalender-abo/")
    second = member_client.get("/termine/kalender-abo/").content.decode()
    assert url not in second


def test_static_files_for_the_pages_exist(member_client):
    from django.contrib.staticfiles import finders

    assert finders.find("js/events.js")
    assert finders.find("css/events.css")


def test_coordinator_role_is_what_the_fixture_uses(organizer):
    assert organizer.role == Role.COORDINATOR


def test_attendee_page_and_csv_run_a_fixed_number_of_queries(
    organizer_client, event, make_member, django_assert_num_queries
):
    for _ in range(2):
        services.signup_create(event=event, member=make_member())
    for url in (f"/termine/{event.pk}/teilnehmende/", f"/termine/{event.pk}/teilnehmende.csv"):
        with CaptureQueriesContext(connection) as few:
            assert organizer_client.get(url).status_code == 200
        for _ in range(5):
            services.signup_create(event=event, member=make_member())
        with django_assert_num_queries(len(few.captured_queries)):
            assert organizer_client.get(url).status_code == 200


def test_huge_ids_in_page_urls_are_404(member_client):
    assert member_client.get("/termine/99999999999999999999999/").status_code == 404
    assert member_client.get("/termine/monat/99999/1/").status_code == 404


def test_the_month_grid_names_the_month_in_the_readers_language(member_client):
    """The names were translated once at import (in German), so English readers saw "Januar"."""
    english = member_client.get(
        "/termine/monat/2027/1/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "January 2027" in english
    assert not re.search(r"\bJanuar\b", english)
    german = member_client.get("/termine/monat/2027/1/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Termine im Januar 2027" in german
