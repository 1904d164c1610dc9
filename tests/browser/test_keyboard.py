"""Keyboard alone: posting, chatting and signing up with Tab, Shift+Tab, Enter and Space.

No clicks: every control is reached by Tab (or Shift+Tab), and each stop on the
way must show where the focus is (an outline or a box-shadow). Typing the text
itself is the only other input.
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
from events import services as event_services
from forum import services as forum_services
from tests.browser.a11y import has_visible_focus, new_context, tab_to
from tests.conftest import PASSWORD
from tests.forum.conftest import _category
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_skip_link_and_reply_to_a_thread_by_keyboard(chromium, live_server, member, make_member):
    olaf = make_member(display_name="Olaf Otto")
    thread = forum_services.thread_create(
        author=olaf,
        category=_category("austausch"),
        title="Welche Scanner nutzt ihr?",
        body="Wir suchen Duplex-Scanner.",
    )
    context = new_context(chromium, live_server.url, member)
    try:
        page = context.new_page()
        page.goto(f"/forum/thema/{thread.pk}/")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Zum Inhalt springen")
        expect(skip).to_be_focused()
        assert has_visible_focus(page)
        assert skip.bounding_box()["y"] >= 0, "the skip link must be on screen when focused"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

        body = page.get_by_label("Text", exact=False).first
        tab_to(page, body)  # from the start of the content onwards
        page.keyboard.type("Wir nutzen Fujitsu")
        send = page.get_by_role("button", name="Antworten")
        tab_to(page, send)
        tab_to(page, body, backwards=True)  # back to add to the text
        page.keyboard.press("End")
        page.keyboard.type(" seit 2021.")
        tab_to(page, send)
        page.keyboard.press("Enter")
        expect(page.locator("#beitrag-2")).to_contain_text("Wir nutzen Fujitsu seit 2021.")
    finally:
        context.close()


def test_sign_up_for_a_meeting_by_keyboard(chromium, live_server, member, coordinator):
    starts = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
    starts += dt.timedelta(days=3)
    event = event_services.event_create(
        created_by=coordinator,
        title="Netzwerktreffen Mittelhessen",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        location="Rathaus Wetzlar",
        capacity=10,
    )
    context = new_context(chromium, live_server.url, member)
    try:
        page = context.new_page()
        page.goto(f"/termine/{event.pk}/")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # skip link
        tab_to(page, page.locator("main").get_by_role("button", name="Zum Termin anmelden"))
        page.keyboard.press("Space")
        expect(page.locator("#my-status")).to_contain_text("bestätigt")
        expect(page.locator(".messages")).to_be_visible()
        assert event.signups.filter(member=member).exists()
    finally:
        context.close()


def test_create_an_account_by_keyboard(chromium, live_server, municipality):
    context = new_context(chromium, live_server.url)
    try:
        page = context.new_page()
        page.goto("/anmelden/")
        tab_to(page, page.get_by_role("link", name="Registrieren", exact=False).first)
        page.keyboard.press("Enter")
        page.wait_for_url("**/registrieren/")
        tab_to(page, page.get_by_label("Dienstliche E-Mail-Adresse"))
        page.keyboard.type("lena.lotse@wetzlar.de")
        tab_to(page, page.get_by_role("button", name="Bestätigungslink senden"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.wait_for_load_state()
        (message,) = [m for m in mail.outbox if "lena.lotse@wetzlar.de" in m.to]
        link = re.search(r"https?://\S+/registrieren/\S+/", message.body).group(0)
        page.goto(urlsplit(link).path)  # the mail names SITE_URL; the live server is elsewhere

        tab_to(page, page.get_by_label("Anzeigename"))
        page.keyboard.type("Lena Lotse")
        tab_to(page, page.get_by_label("Passwort", exact=False).first)
        page.keyboard.type(PASSWORD)
        tab_to(page, page.get_by_label("Passwort wiederholen", exact=False))
        page.keyboard.type(PASSWORD)
        tab_to(page, page.get_by_role("button", name="Konto einrichten"))
        page.keyboard.press("Enter")
        page.wait_for_url("**/profil/")  # new members go on to their profile
        expect(page.locator(".messages")).to_contain_text("Ihr Konto ist eingerichtet")
    finally:
        context.close()


def test_chat_by_keyboard_and_the_live_region_announces_the_message(chromium, member, make_member):
    ben = make_member(display_name="Ben Berger")
    chat_services.room_create(
        created_by=None, name="Allgemein", kind=RoomKind.NETWORK, slug="allgemein"
    )
    with daphne() as address:
        base = f"http://{address}"
        anna_context = new_context(chromium, base, member)
        ben_context = new_context(chromium, base, ben)
        try:
            anna, ben_page = anna_context.new_page(), ben_context.new_page()
            for page in (anna, ben_page):
                page.goto("/chat/allgemein/")
            for page in (anna, ben_page):
                expect(page.locator("#chat-online")).to_contain_text("Ben Berger")
            live_region = ben_page.locator("#chat-announce")
            assert live_region.get_attribute("aria-live") == "polite"

            anna.keyboard.press("Tab")
            anna.keyboard.press("Enter")  # skip link
            tab_to(anna, anna.get_by_label("Nachricht", exact=True))
            anna.keyboard.type("Hallo Ben, wer kommt zum Treffen?")
            anna.keyboard.press("Enter")  # Enter sends, Shift+Enter breaks the line
            expect(live_region).to_contain_text(
                "Neue Nachricht von Anna Schmidt: Hallo Ben, wer kommt zum Treffen?"
            )
            expect(anna.get_by_role("list", name="Nachrichten")).to_contain_text(
                "Hallo Ben, wer kommt zum Treffen?"
            )

            tab_to(ben_page, ben_page.get_by_label("Nachricht", exact=True))
            ben_page.keyboard.type("Ich komme.")
            tab_to(ben_page, ben_page.get_by_role("button", name="Senden"))
            ben_page.keyboard.press("Space")
            expect(anna.locator("#chat-announce")).to_contain_text("Ich komme.")
        finally:
            anna_context.close()
            ben_context.close()
