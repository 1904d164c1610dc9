"""Two members chat live in two browsers; one reloads and sees the history.

pytest-django's live_server speaks no WebSocket, so a real daphne serves the
test database here (tests/servers.py), and Chromium talks to it.
"""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import chromium  # noqa: F401  (the module-scoped browser)
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_page(browser, base_url, client, member):
    client.force_login(member)
    context = browser.new_context(base_url=base_url, locale="de-DE")
    context.set_default_timeout(10_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    return context, context.new_page()


def test_two_members_chat_live_and_a_reload_shows_the_history(
    chromium,  # noqa: F811
    network_room,
    member,
    make_member,
):
    from django.test import Client

    ben = make_member(display_name="Ben Berger")
    with daphne() as address:
        base = f"http://{address}"
        anna_context, anna = signed_in_page(chromium, base, Client(), member)
        ben_context, ben_page = signed_in_page(chromium, base, Client(), ben)
        try:
            for page in (anna, ben_page):
                page.goto("/chat/allgemein/")
            for page in (anna, ben_page):  # both online, in both browsers
                expect(page.locator("#chat-online")).to_contain_text("Anna Schmidt")
                expect(page.locator("#chat-online")).to_contain_text("Ben Berger")

            anna.get_by_label("Nachricht", exact=True).fill("Hallo **Ben**!")
            anna.keyboard.press("Enter")
            ben_log = ben_page.get_by_role("list", name="Nachrichten")
            expect(ben_log.locator("strong")).to_have_text("Ben")
            expect(ben_page.locator("#chat-announce")).to_contain_text(
                "Neue Nachricht von Anna Schmidt: Hallo Ben!"
            )

            ben_page.get_by_label("Nachricht", exact=True).fill("Hallo Anna, ich bin da.")
            ben_page.get_by_role("button", name="Senden").click()
            anna_log = anna.get_by_role("list", name="Nachrichten")
            expect(anna_log).to_contain_text("Hallo Anna, ich bin da.")
            expect(anna.locator("#chat-pending li")).to_have_count(0)

            anna.reload()
            anna_log = anna.get_by_role("list", name="Nachrichten")
            expect(anna_log.locator("li")).to_have_count(2)
            expect(anna_log.locator("li").first).to_contain_text("Hallo Ben!")
            expect(anna_log.locator("li").last).to_contain_text("Hallo Anna, ich bin da.")
        finally:
            anna_context.close()
            ben_context.close()
