"""Two tabs edit the same chat message: the second save shows both texts, none is lost."""

import pytest
from playwright.sync_api import expect

from chat.models import Message
from tests.browser.conftest import chromium  # noqa: F401  (the module-scoped browser)
from tests.chat.test_browser import _post, signed_in_page
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_edit_that_meets_another_tabs_edit_shows_both_and_keeps_its_own_text(
    chromium,  # noqa: F811
    network_room,
    member,
):
    from django.test import Client

    message, _created = _post(network_room, member, "Treffen um 10 Uhr", "a-1")
    with daphne() as address:
        context, first = signed_in_page(chromium, f"http://{address}", Client(), member)
        try:
            second = context.new_page()
            for page in (first, second):
                page.goto("/chat/allgemein/")
                expect(page.locator("#chat-online")).to_contain_text("Anna Schmidt")
            mine = first.locator('li[data-seq="1"]')
            mine.get_by_role("button", name="Bearbeiten").click()
            mine.get_by_label("Nachricht bearbeiten").fill("Treffen um 11 Uhr")

            theirs = second.locator('li[data-seq="1"]')
            theirs.get_by_role("button", name="Bearbeiten").click()
            theirs.get_by_label("Nachricht bearbeiten").fill("Treffen um 12 Uhr")
            theirs.get_by_role("button", name="Speichern").click()
            expect(theirs.locator(".chat-body")).to_contain_text("Treffen um 12 Uhr")

            # The first tab's editor stays open with its own text (the live change
            # does not replace it), and saving meets the other edit.
            editor = mine.get_by_label("Nachricht bearbeiten")
            expect(editor).to_have_value("Treffen um 11 Uhr")
            mine.get_by_role("button", name="Speichern").click()
            alert = mine.get_by_role("alert")
            expect(alert).to_contain_text("inzwischen anderswo geändert")
            expect(alert.locator("pre")).to_have_text("Treffen um 12 Uhr")
            expect(editor).to_have_value("Treffen um 11 Uhr")
            assert Message.objects.get(pk=message.pk).body == "Treffen um 12 Uhr"

            # Saving again deliberately takes the first tab's text.
            mine.get_by_role("button", name="Speichern").click()
            expect(mine.locator(".chat-body")).to_contain_text("Treffen um 11 Uhr")
            expect(theirs.locator(".chat-body")).to_contain_text("Treffen um 11 Uhr")
            assert Message.objects.get(pk=message.pk).body == "Treffen um 11 Uhr"
        finally:
            context.close()
