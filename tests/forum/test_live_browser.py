"""The forum's live thread list through static/js/live.js in Chromium.

The page comes from a real daphne; its forum socket is answered by a
Playwright stand-in (route_web_socket) that decides how the "server" closes.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import chromium  # noqa: F401  (the module-scoped browser)
from tests.forum.conftest import _category
from tests.forum.test_browser import signed_in
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORUM_SOCKET = re.compile(r"/ws/forum/")


@pytest.mark.parametrize(
    ("code", "reconnects"), [(4401, False), (4403, False), (4404, False), (1011, True)]
)
def test_the_thread_list_reconnects_only_after_a_close_that_is_not_a_refusal(
    chromium,  # noqa: F811
    member,
    code,
    reconnects,
):
    _category("austausch")
    opened = []

    def server(ws):
        opened.append(time.monotonic())
        if len(opened) == 1:
            ws.close(code=code)

    with daphne() as address:
        context, page = signed_in(chromium, f"http://{address}", member)
        try:
            context.route_web_socket(FORUM_SOCKET, server)
            page.goto("/forum/kategorie/austausch/")
            expect(page.locator("#thread-list")).to_be_attached()
            page.wait_for_timeout(3000)  # the first retry comes within one second
            assert len(opened) == (2 if reconnects else 1)
        finally:
            context.close()
