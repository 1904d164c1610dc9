"""A day in the network, in Chromium, one browser context per person.

A coordinator invites a pilot, the pilot accepts the invitation from the
e-mail, fills the profile and declares expertise, another member finds her by
that expertise, she starts a thread, chats live with another pilot, signs up
for a meeting and subscribes to the calendar feed.

The morning runs on pytest-django's live_server, in this process, so the
invitation mail is in ``django.core.mail.outbox``. The live part (chat, seats)
needs WebSockets, which live_server does not speak: a real daphne serves the
same test database for the afternoon (tests/servers.py).

Along the way the tests write screenshots of the main pages to
docs/screenshots/ (fixed names: a re-run overwrites them).
"""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from chat import services as chat_services
from chat.models import RoomKind
from community import services
from community.models import Level, ProjectKind, ProjectStatus, User
from events import services as event_services
from forum import services as forum_services
from tests.browser.a11y import new_context, screenshot
from tests.browser.conftest import sign_in_by_form
from tests.conftest import PASSWORD
from tests.forum.conftest import _category
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PILOT_EMAIL = "lena.lotse@wetzlar.de"


@pytest.fixture
def meeting(coordinator):
    starts = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    starts += dt.timedelta(days=5)
    return event_services.event_create(
        created_by=coordinator,
        title="Netzwerktreffen Mittelhessen",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        format="hybrid",
        location="Rathaus Wetzlar, Sitzungssaal",
        online_url="https://meet.example/mittelhessen",
        capacity=30,
        hosting_municipality=coordinator.municipality,
        description="Wir tauschen uns über **E-Akte** und Onlinedienste aus.",
        agenda=[
            {"starts_at": starts, "title": "Ankommen"},
            {"starts_at": starts + dt.timedelta(minutes=30), "title": "Berichte aus den Kommunen"},
        ],
    )


@pytest.fixture
def network_day(taxonomy, member, coordinator, make_member, make_municipality, meeting):
    """The rest of the network: Anna and a colleague in Marburg with a project, a room."""
    marburg = make_municipality(name="Marburg", domains=["marburg.example"])
    erika = make_member(
        municipality=marburg, display_name="Erika Expertin", position="Digitallotsin"
    )
    services.member_set_expertise(
        member=erika, expertise={"e-akte-dms": Level.EXPERT, "ozg-onlinedienste": Level.BASIC}
    )
    services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.EXPERIENCED})
    services.project_create(
        created_by=erika,
        municipality=marburg,
        title="Einführung enaio in Marburg",
        kind=ProjectKind.EAKTE,
        status=ProjectStatus.DONE,
        tools=["enaio"],
        members=[erika],
    )
    forum_services.thread_create(
        author=erika,
        category=_category("austausch"),
        title="Scanstraße für die Bauakten",
        body="Wer hat Erfahrung mit **Duplex-Scannern**?",
    )
    chat_services.room_create(
        created_by=None, name="Allgemein", kind=RoomKind.NETWORK, slug="allgemein"
    )
    return {"anna": member, "jonas": coordinator, "erika": erika, "meeting": meeting}


def test_a_day_in_the_network(chromium, live_server, network_day):
    jonas, anna = network_day["jonas"], network_day["anna"]
    meeting = network_day["meeting"]
    mail.outbox.clear()

    # Morning, on the live server: Jonas (coordinator) invites Lena.
    jonas_context = new_context(chromium, live_server.url, jonas)
    lena_context = new_context(chromium, live_server.url)
    anna_context = new_context(chromium, live_server.url, anna)
    try:
        coordinator = jonas_context.new_page()
        coordinator.goto("/")
        coordinator.get_by_role("link", name="Mitglieder einladen").click()
        coordinator.get_by_label("E-Mail-Adresse").fill(PILOT_EMAIL)
        coordinator.get_by_label("Name", exact=False).first.fill("Lena Lotse")
        screenshot(coordinator, "einladen")
        coordinator.get_by_role("button", name="Einladung senden").click()
        expect(coordinator.locator(".messages")).to_contain_text(
            f"Die Einladung an {PILOT_EMAIL} ist verschickt."
        )

        # Lena opens the link from her mail and sets up her account.
        (invitation,) = [m for m in mail.outbox if PILOT_EMAIL in m.to]
        link = re.search(r"https?://\S+/einladung/\S+/", invitation.body).group(0)
        lena = lena_context.new_page()
        lena.goto(urlsplit(link).path)  # the mail names SITE_URL; the live server is elsewhere
        expect(lena.get_by_role("heading", level=1)).to_have_text("Willkommen im Lotsennetz")
        lena.get_by_label("Passwort", exact=False).first.fill(PASSWORD)
        lena.get_by_label("Passwort wiederholen", exact=False).fill(PASSWORD)
        lena.get_by_role("button", name="Konto einrichten").click()
        lena.wait_for_url("**/profil/")

        # She fills her profile and declares her expertise.
        lena.get_by_label("Fachbereich/Amt", exact=False).fill("Hauptamt, Organisation")
        lena.get_by_label("Funktion", exact=False).fill("Digitallotsin")
        lena.get_by_label("Über mich", exact=False).fill(
            "Ich habe die **E-Akte** im Bauamt eingeführt und helfe gern beim Scannen."
        )
        screenshot(lena, "profil-bearbeiten")
        lena.get_by_role("button", name="Speichern").click()
        expect(lena.locator(".messages")).to_contain_text("Ihr Profil ist gespeichert.")
        lena.goto("/profil/erfahrung/")
        lena.get_by_label("E-Akte/DMS", exact=True).select_option(label="Expert:in")
        screenshot(lena, "erfahrung")
        lena.get_by_role("button", name="Speichern").click()
        expect(lena.locator(".messages")).to_contain_text("Ihre Erfahrungen sind gespeichert.")
        lena.goto("/")
        expect(lena.get_by_role("heading", level=1)).to_have_text("Willkommen, Lena")
        # The start page's picture (uebersicht.png) shows a network with news for the
        # member: tests/browser/test_start_page.py.

        # Anna looks for someone who knows the E-Akte and finds Lena.
        directory = anna_context.new_page()
        directory.goto("/menschen/")
        directory.get_by_label("Wer kennt sich aus mit …").fill("E-Akte Bauamt")
        directory.get_by_role("main").get_by_role("button", name="Suchen").click()
        found = directory.get_by_role("listitem").filter(has_text="Lena Lotse")
        expect(found).to_contain_text("Expert:in: E-Akte/DMS")
        screenshot(directory, "menschen-suche")
        found.get_by_role("link", name="Lena Lotse").click()
        expect(directory.get_by_role("heading", level=1)).to_have_text("Lena Lotse")
        expect(directory.locator("main")).to_contain_text("Hauptamt, Organisation")
        screenshot(directory, "profil")
        directory.goto("/projekte/")
        screenshot(directory, "projekte")
        directory.get_by_role("link", name="Einführung enaio in Marburg").click()
        expect(directory.get_by_role("heading", level=1)).to_have_text(
            "Einführung enaio in Marburg"
        )
        screenshot(directory, "projekt")

        # Lena starts a thread.
        lena.goto("/forum/")
        screenshot(lena, "forum")
        lena.goto("/forum/neu/")
        lena.get_by_label("Kategorie").select_option(label="Austausch der Lotsen")
        lena.get_by_label("Titel").fill("Aktenplan für das Bauamt")
        lena.get_by_label("Text", exact=False).first.fill(
            "Wie habt ihr den **Aktenplan** für die Bauakten aufgebaut?"
        )
        expect(lena.locator(".composer-preview strong")).to_have_text("Aktenplan")
        screenshot(lena, "forum-neues-thema")
        lena.get_by_role("button", name="Thema beginnen").click()
        expect(lena.get_by_role("heading", level=1)).to_have_text("Aktenplan für das Bauamt")
    finally:
        jonas_context.close()
        lena_context.close()
        anna_context.close()

    lena_member = User.objects.get(email=PILOT_EMAIL)
    assert lena_member.municipality == jonas.municipality
    assert lena_member.expertise_entries.get().level == Level.EXPERT

    # Afternoon, on daphne (WebSocket): chat, the meeting and the feed.
    with daphne() as address:
        base = f"http://{address}"
        lena_context = new_context(chromium, base)
        anna_context = new_context(chromium, base, anna)
        try:
            lena = lena_context.new_page()
            lena.goto("/anmelden/")
            screenshot(lena, "anmelden")
            sign_in_by_form(lena, PILOT_EMAIL, path=None)
            expect(lena.get_by_role("heading", level=1)).to_have_text("Willkommen, Lena")

            anna_chat = anna_context.new_page()
            for page in (lena, anna_chat):
                page.goto("/chat/allgemein/")
            for page in (lena, anna_chat):  # both online, both browsers
                expect(page.locator("#chat-online")).to_contain_text("Lena Lotse")
                expect(page.locator("#chat-online")).to_contain_text("Anna Schmidt")
            lena.get_by_label("Nachricht", exact=True).fill("Hallo Anna, kommst du zum Treffen?")
            lena.keyboard.press("Enter")
            expect(anna_chat.get_by_role("list", name="Nachrichten")).to_contain_text(
                "Hallo Anna, kommst du zum Treffen?"
            )
            expect(anna_chat.locator("#chat-announce")).to_contain_text("Lena Lotse")
            anna_chat.get_by_label("Nachricht", exact=True).fill("Ja, ich bringe **Kaffee** mit.")
            anna_chat.get_by_role("button", name="Senden").click()
            expect(lena.get_by_role("list", name="Nachrichten").locator("strong")).to_have_text(
                "Kaffee"
            )
            expect(lena.locator("#chat-pending li")).to_have_count(0)
            screenshot(lena, "chat")
            lena.set_viewport_size({"width": 390, "height": 844})  # the same chat on a phone
            screenshot(lena, "chat-handy", full_page=False)
            lena.set_viewport_size({"width": 1280, "height": 800})

            # The meeting: the calendar, the sign-up, the feed.
            lena.goto("/termine/")
            screenshot(lena, "termine")
            lena.goto("/termine/monat/")
            screenshot(lena, "termine-monat")
            lena.goto(f"/termine/{meeting.pk}/")
            expect(lena.get_by_role("heading", level=1)).to_have_text(meeting.title)
            lena.locator("main").get_by_role("button", name="Zum Termin anmelden").click()
            expect(lena.locator("#my-status")).to_contain_text("bestätigt")
            expect(
                lena.get_by_role("link", name="https://meet.example/mittelhessen")
            ).to_be_visible()
            screenshot(lena, "termin")
            assert meeting.signups.filter(member=lena_member).exists()

            lena.goto("/termine/kalender-abo/")
            feed_url = lena.get_by_label("Ihre persönliche Abo-Adresse").input_value()
            screenshot(lena, "kalender-abo")
            anonymous = chromium.new_context()  # a calendar program has no session
            try:
                feed = anonymous.request.get(f"{base}{urlsplit(feed_url).path}")
                assert feed.status == 200
                assert feed.headers["content-type"].startswith("text/calendar")
                assert "Netzwerktreffen Mittelhessen" in feed.text()
            finally:
                anonymous.close()

            lena.goto("/benachrichtigungen/")
            screenshot(lena, "benachrichtigungen")
        finally:
            lena_context.close()
            anna_context.close()
