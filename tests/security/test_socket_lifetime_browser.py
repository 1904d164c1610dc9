"""In Chromium: logging out in one tab closes the other tab's sockets with 4401,
and its page does not knock again (static/js/notifications.js).

Its own module: the Chromium fixture keeps Playwright's event loop running,
which must not overlap the asyncio tests of test_socket_lifetime.py.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import chromium  # noqa: F401  (Chromium fixture)
from tests.forum.test_browser import signed_in
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records every socket's close code where the test can read it.
RECORD_CLOSES = """
(() => {
  const Real = window.WebSocket;
  window.__socketCloses = [];
  window.__socketsOpened = 0;
  function Recording(url, protocols) {
    const socket = protocols === undefined ? new Real(url) : new Real(url, protocols);
    window.__socketsOpened += 1;
    socket.addEventListener("close", (event) => window.__socketCloses.push(event.code));
    return socket;
  }
  Recording.prototype = Real.prototype;
  Object.assign(Recording, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Recording;
})();
"""


def wait_until(page, expression: str, timeout_ms: int = 10_000) -> None:
    """Poll with evaluate (wait_for_function's string form needs 'unsafe-eval' under our CSP)."""
    for _ in range(timeout_ms // 100):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {timeout_ms} ms: {expression}")


def test_logging_out_in_one_tab_closes_the_other_tabs_bell_for_good(
    chromium,  # noqa: F811
    member,
):
    with daphne() as address:
        context, page = signed_in(chromium, f"http://{address}", member)
        try:
            context.add_init_script(RECORD_CLOSES)
            page.goto("/")
            wait_until(page, "window.__socketsOpened >= 1")
            page.wait_for_timeout(500)  # the bell's socket is accepted
            assert page.evaluate("window.__socketCloses") == []

            other = context.new_page()
            other.goto("/")
            other.get_by_role("button", name="Abmelden").click()
            expect(other).to_have_url(f"http://{address}/anmelden/")

            wait_until(page, "window.__socketCloses.length >= 1")
            assert page.evaluate("window.__socketCloses") == [4401]
            page.wait_for_timeout(3000)  # the bell would knock again after one second
            assert page.evaluate("window.__socketsOpened") == 1
        finally:
            context.close()
