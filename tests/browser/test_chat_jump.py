"""A search hit in a long chat opens the room at that message, in view and marked.

The room runs under daphne (tests/servers.py), so the socket connects as in
production; the old message must stay where the jump put it.
"""

import re

import pytest
from playwright.sync_api import expect

from chat import services
from chat.models import RoomKind
from tests.browser.test_directory import session_cookie_for
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGES = 400
OLD = 37


class _Server:
    def __init__(self, url: str):
        self.url = url


def test_a_search_hit_opens_the_old_message_in_view_and_marked(chromium, member, make_member):
    ben = make_member(display_name="Ben Berger")
    room = services.room_create(
        created_by=None, name="Allgemein", kind=RoomKind.NETWORK, slug="allgemein"
    )
    for seq in range(1, MESSAGES + 1):
        body = "Wer kennt den Zauberwürfel im Bürgerbüro?" if seq == OLD else f"Nachricht {seq}"
        services.message_post(
            room=room, author=ben, body=body, client_id=f"c{seq}", rate_limited=False
        )
    with daphne() as address:
        base = f"http://{address}"
        context = chromium.new_context(base_url=base, locale="de-DE")
        context.set_default_timeout(10_000)
        context.add_cookies(session_cookie_for(_Server(base), member))
        page = context.new_page()
        try:
            page.goto("/chat/allgemein/suche/?q=Zauberwürfel")
            page.get_by_role("link", name="Ben Berger").click()
            expect(page).to_have_url(f"{base}/chat/allgemein/?nachricht={OLD}#nachricht-{OLD}")

            old = page.locator(f"#nachricht-{OLD}")
            expect(old).to_contain_text("Zauberwürfel")
            expect(old).to_have_class(re.compile(r"\bchat-anchor\b"))
            expect(old).to_have_attribute("aria-current", "true")
            expect(old).to_be_in_viewport()
            outline = old.evaluate("e => getComputedStyle(e).outlineStyle")
            assert outline == "solid"
            # Once the socket is live (and has synced), the view still shows the old message.
            expect(page.locator("#chat-online")).to_contain_text("Anna Schmidt")
            page.wait_for_timeout(300)
            expect(old).to_be_in_viewport()
            expect(page.locator("#chat-log .chat-anchor")).to_have_count(1)
        finally:
            context.close()
