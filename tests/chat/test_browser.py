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


def _post(room, author, body, client_id):
    from chat import services as chat_services

    return chat_services.message_post(
        room=room, author=author, body=body, client_id=client_id, rate_limited=False
    )


def test_a_member_edits_and_deletes_their_own_message_and_the_other_sees_both(
    chromium,  # noqa: F811
    network_room,
    member,
    make_member,
):
    from django.test import Client

    ben = make_member(display_name="Ben Berger")
    _post(network_room, ben, "Bens Nachricht", "b-1")
    with daphne() as address:
        base = f"http://{address}"
        anna_context, anna = signed_in_page(chromium, base, Client(), member)
        ben_context, ben_page = signed_in_page(chromium, base, Client(), ben)
        try:
            for page in (anna, ben_page):
                page.goto("/chat/allgemein/")
                expect(page.locator("#chat-online")).to_contain_text("Anna Schmidt")
            anna.get_by_label("Nachricht", exact=True).fill("Treffen um 10 Uhr")
            anna.keyboard.press("Enter")
            anna_log = anna.get_by_role("list", name="Nachrichten")
            ben_log = ben_page.get_by_role("list", name="Nachrichten")
            expect(ben_log).to_contain_text("Treffen um 10 Uhr")
            # Only one's own messages can be edited.
            bens = anna_log.locator("li", has_text="Bens Nachricht")
            expect(bens.get_by_role("button", name="Bearbeiten")).to_have_count(0)

            own = anna_log.locator('li[data-seq="2"]')
            own.get_by_role("button", name="Bearbeiten").click()
            editor = own.get_by_label("Nachricht bearbeiten")
            expect(editor).to_have_value("Treffen um 10 Uhr")
            editor.fill("Treffen um **11** Uhr")
            own.get_by_role("button", name="Speichern").click()
            ben_own = ben_log.locator('li[data-seq="2"]')
            expect(ben_own.locator("strong")).to_have_text("11")
            expect(ben_own).to_contain_text("bearbeitet")
            expect(own.locator("strong")).to_have_text("11")

            anna.once("dialog", lambda dialog: dialog.accept())
            own.get_by_role("button", name="Löschen").click()
            expect(ben_log.locator("li.chat-deleted")).to_contain_text("Nachricht gelöscht")
            expect(ben_log).not_to_contain_text("Treffen um")
            expect(anna_log.locator("li.chat-deleted")).to_have_count(1)
            expect(anna_log.locator("li")).to_have_count(2)  # the seq stays, without text

            ben_page.reload()
            ben_log = ben_page.get_by_role("list", name="Nachrichten")
            expect(ben_log.locator("li.chat-deleted")).to_contain_text("Nachricht gelöscht")
        finally:
            anna_context.close()
            ben_context.close()


def test_scrolling_up_loads_the_older_history_in_order(
    chromium,  # noqa: F811
    network_room,
    member,
    make_member,
):
    from django.test import Client

    ben = make_member(display_name="Ben Berger")
    for n in range(1, 121):
        _post(network_room, ben if n % 2 else member, f"Nachricht {n}", f"h-{n}")
    with daphne() as address:
        base = f"http://{address}"
        anna_context, anna = signed_in_page(chromium, base, Client(), member)
        ben_context, ben_page = signed_in_page(chromium, base, Client(), ben)
        try:
            anna.goto("/chat/allgemein/")
            ben_page.goto("/chat/allgemein/")
            log = anna.get_by_role("list", name="Nachrichten")
            expect(log.locator("li")).to_have_count(50)
            expect(log.locator("li").first).to_contain_text("Nachricht 71")
            expect(anna.locator("#chat-online")).to_contain_text("Ben Berger")
            # A live message while reading further up lands at the bottom.
            ben_page.get_by_label("Nachricht", exact=True).fill("Ganz neu")
            ben_page.keyboard.press("Enter")
            expect(log.locator("li").last).to_contain_text("Ganz neu")
            for count, first in ((101, "Nachricht 21"), (121, "Nachricht 1")):
                log.evaluate("log => { log.scrollTop = 0; }")
                expect(log.locator("li")).to_have_count(count)
                expect(log.locator("li").first).to_contain_text(first)
            seqs = log.locator("li").evaluate_all("items => items.map(i => +i.dataset.seq)")
            assert seqs == list(range(1, 122))
            expect(anna.locator("#chat-older")).to_be_hidden()
        finally:
            anna_context.close()
            ben_context.close()


def test_after_the_server_goes_away_the_page_reconnects_and_fills_the_gap(
    chromium,  # noqa: F811
    network_room,
    member,
    make_member,
):
    from django.test import Client

    from tests.servers import free_port

    ben = make_member(display_name="Ben Berger")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    anna_context, anna = signed_in_page(chromium, base, Client(), member)
    ben_context, ben_page = signed_in_page(chromium, base, Client(), ben)
    try:
        with daphne(port=port):
            for page in (anna, ben_page):
                page.goto("/chat/allgemein/")
            for page in (anna, ben_page):
                expect(page.locator("#chat-online")).to_contain_text("Ben Berger")
            anna.get_by_label("Nachricht", exact=True).fill("Vor der Pause")
            anna.keyboard.press("Enter")
            expect(ben_page.get_by_role("list", name="Nachrichten")).to_contain_text(
                "Vor der Pause"
            )
        # The server is gone: both pages say so and wait (with backoff).
        for page in (anna, ben_page):
            expect(page.locator("#chat-connection")).to_contain_text("Verbindung unterbrochen")
        _post(network_room, ben, "Während der Pause", "b-gap")  # stored, nobody told
        with daphne(port=port):
            for page in (anna, ben_page):
                expect(page.locator("#chat-connection")).to_have_text("", timeout=40_000)
            anna_log = anna.get_by_role("list", name="Nachrichten")
            expect(anna_log).to_contain_text("Während der Pause")  # filled by sync
            ben_page.get_by_label("Nachricht", exact=True).fill("Nach der Pause")
            ben_page.keyboard.press("Enter")
            expect(anna_log.locator("li")).to_have_count(3)
            expect(anna_log.locator("li").last).to_contain_text("Nach der Pause")
            seqs = anna_log.locator("li").evaluate_all("items => items.map(i => +i.dataset.seq)")
            assert seqs == [1, 2, 3]
    finally:
        anna_context.close()
        ben_context.close()
