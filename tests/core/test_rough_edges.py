"""Rough edges of issue 20 on the pages: titles, dates by language, event wording, confirmations."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.conf import settings
from django.utils import translation

from chat import services as chat_services
from chat.models import RoomKind
from core import dates
from events import services as events
from forum import services as forum_services
from tests.forum.conftest import _category

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
STARTS = dt.datetime(2037, 12, 16, 14, 0, tzinfo=BERLIN)


@pytest.fixture
def english(member_client):
    member_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return member_client


@pytest.fixture
def meeting(coordinator):
    return events.event_create(
        created_by=coordinator,
        title="Netzwerktreffen",
        starts_at=STARTS,
        ends_at=STARTS + dt.timedelta(hours=3),
        hosting_municipality=coordinator.municipality,
        capacity=1,
        signup_deadline=STARTS - dt.timedelta(days=1),
    )


def title_of(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def test_dates_follow_the_language_as_the_browser_writes_them():
    end = STARTS + dt.timedelta(hours=3)
    with translation.override("de"):
        assert dates.when(STARTS, end) == "Mittwoch, 16. Dezember 2037, 14:00 – 17:00"
        assert dates.datetime_short(STARTS) == "16.12.2037, 14:00"
        assert dates.month_name(12) == "Dezember"
    with translation.override("en"):
        assert dates.when(STARTS, end) == ("Wednesday, December 16, 2037, 2:00 PM – 5:00 PM")
        assert dates.datetime_short(STARTS) == "Dec 16, 2037, 2:00 PM"
        assert dates.month_name(12) == "December"
        assert dates.weekday_names()[0] == "Monday"


def test_every_page_title_has_its_separator(member_client, meeting, member, thread_and_room):
    thread, _room = thread_and_room
    for path in [
        "/",
        "/forum/",
        f"/forum/thema/{thread.pk}/",
        "/forum/neu/",
        "/chat/",
        "/chat/allgemein/",
        "/termine/",
        "/termine/monat/2037/12/",
        f"/termine/{meeting.pk}/",
        "/termine/kalender-abo/",
        "/menschen/",
        "/projekte/",
        "/profil/",
        "/profil/erfahrung/",
        "/benachrichtigungen/",
    ]:
        response = member_client.get(path)
        assert response.status_code == 200, path
        title = title_of(response)
        assert title.endswith(" – Lotsennetz"), (path, title)
        assert not title.startswith(" – "), (path, title)
    member_client.logout()
    assert title_of(member_client.get("/anmelden/")) == "Anmelden – Lotsennetz"


@pytest.fixture
def thread_and_room(member):
    thread = forum_services.thread_create(
        author=member, category=_category("austausch"), title="E-Akte", body="Wer **noch**?"
    )
    room = chat_services.room_create(
        created_by=None, name="Allgemein", kind=RoomKind.NETWORK, slug="allgemein"
    )
    return thread, room


def test_an_english_event_page_reads_english(english, meeting):
    html = english.get(f"/termine/{meeting.pk}/").content.decode()
    assert "Wednesday, December 16, 2037, 2:00 PM – 5:00 PM" in html
    assert "Tuesday, December 15, 2037, 2:00 PM" in html  # the signup deadline
    assert " h " not in html and "Dezember" not in html
    assert ">Sign up for this event</button>" in html
    assert ">Sign in<" not in html


def test_the_english_month_view_names_the_month_in_english(english, meeting):
    html = english.get("/termine/monat/2037/12/").content.decode()
    assert "<title>Month view December 2037 – Lotsennetz</title>" in html
    assert "Dezember" not in html and "Montag" not in html
    assert "2:00 PM Netzwerktreffen" in html


def test_a_german_event_page_keeps_uhr(member_client, meeting):
    html = member_client.get(f"/termine/{meeting.pk}/").content.decode()
    assert "Mittwoch, 16. Dezember 2037, 14:00 – 17:00 Uhr" in html


def test_a_full_event_offers_the_waiting_list(member_client, meeting, make_member):
    events.signup_create(event=meeting, member=make_member())
    html = member_client.get(f"/termine/{meeting.pk}/").content.decode()
    assert ">Auf die Warteliste</button>" in html
    assert ">Zum Termin anmelden</button>" not in html
    member_client.post(f"/termine/{meeting.pk}/anmelden/")
    html = member_client.get(f"/termine/{meeting.pk}/").content.decode()
    assert ">Warteliste verlassen</button>" in html


def test_withdrawing_is_not_called_like_signing_out_and_asks_first(member_client, meeting):
    member_client.post(f"/termine/{meeting.pk}/anmelden/")
    html = member_client.get(f"/termine/{meeting.pk}/").content.decode()
    assert html.count(">Abmelden</button>") == 1  # the header's sign-out only
    form = re.search(rf'<form[^>]*action="/termine/{meeting.pk}/abmelden/"[^>]*>', html)
    assert form and "data-confirm=" in form.group(0)
    assert ">Anmeldung zurückziehen</button>" in html


def test_deleting_a_post_and_leaving_a_room_ask_first(member_client, thread_and_room):
    thread, room = thread_and_room
    html = member_client.get(f"/forum/thema/{thread.pk}/").content.decode()
    assert re.search(r'class="link-button post-delete" data-confirm="[^"]+"', html)
    html = member_client.get(f"/chat/{room.slug}/").content.decode()
    assert re.search(r'action="/chat/allgemein/verlassen/" data-confirm="[^"]+"', html)
    assert 'src="/static/js/confirm.js"' in html


def test_the_no_script_fallback_still_withdraws(member_client, meeting):
    """Without JavaScript nobody asks: the form posts, and the registration is withdrawn."""
    member_client.post(f"/termine/{meeting.pk}/anmelden/")
    member_client.post(f"/termine/{meeting.pk}/abmelden/")
    assert not meeting.signups.filter(status__in=["confirmed", "waitlisted"]).exists()


def test_chat_times_are_written_as_the_live_client_writes_them(english, thread_and_room, member):
    _thread, room = thread_and_room
    chat_services.message_post(room=room, author=member, body="Hallo", client_id="t-1")
    html = english.get(f"/chat/{room.slug}/").content.decode()
    assert 'data-time-zone="Europe/Berlin"' in html
    assert re.search(r"<time datetime=\"[^\"]+\">[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d", html)


def test_the_profile_links_to_editing_expertise(member_client):
    assert 'href="/profil/erfahrung/"' in member_client.get("/profil/").content.decode()


def test_the_new_thread_form_picks_expertise_by_checkboxes(member_client, taxonomy):
    html = member_client.get("/forum/neu/").content.decode()
    assert "<select" not in html.split('name="tags"')[0][-300:]
    assert 'type="checkbox" name="tags"' in html
    assert "<fieldset" in html and "data-choices-filter=" in html
    assert 'data-markdown-composer="1"' in html and 'id="composer-texts"' in html
