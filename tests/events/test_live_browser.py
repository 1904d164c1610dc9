"""The event page's seat counts through static/js/live.js in Chromium.

The page comes from a real daphne; its seats socket is answered by a
Playwright stand-in (route_web_socket) that decides how the "server" closes.
"""

import json
import re
import time

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.browser.conftest import chromium  # noqa: F401  (the module-scoped browser)
from tests.chat.test_browser import signed_in_page
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVENT_SOCKET = re.compile(r"/ws/events/")


@pytest.mark.parametrize("code", [4403, 4404])
def test_after_the_server_refuses_the_event_page_does_not_knock_again(
    chromium,  # noqa: F811
    member,
    make_event,
    code,
):
    event = make_event(title="Workshop", capacity=5)
    opened = []

    def refuse(ws):
        opened.append(time.monotonic())
        ws.close(code=code)

    with daphne() as address:
        context, page = signed_in_page(chromium, f"http://{address}", Client(), member)
        try:
            context.route_web_socket(EVENT_SOCKET, refuse)
            page.goto(f"/termine/{event.pk}/")
            page.wait_for_timeout(3000)  # a retry would come within one second
            assert len(opened) == 1
        finally:
            context.close()


def test_after_an_abnormal_close_the_event_page_reconnects_and_shows_live_seats(
    chromium,  # noqa: F811
    member,
    make_event,
):
    event = make_event(title="Workshop", capacity=5)
    opened = []

    def server(ws):
        opened.append(time.monotonic())
        if len(opened) == 1:
            ws.close(code=1011)
            return
        seats = {"capacity": 5, "confirmed_count": 4, "waitlist_count": 2}
        ws.send(json.dumps({"type": "seats", "seats": seats}))

    with daphne() as address:
        context, page = signed_in_page(chromium, f"http://{address}", Client(), member)
        try:
            context.route_web_socket(EVENT_SOCKET, server)
            page.goto(f"/termine/{event.pk}/")
            seats = page.locator("[data-event-seats]")
            expect(seats.locator('[data-seat="seats_left"]')).to_have_text("1")
            expect(seats.locator('[data-seat="waitlist_count"]')).to_have_text("2")
            assert len(opened) == 2
            assert 0.2 <= opened[1] - opened[0] <= 3.5  # the first retry: spread over 3 s
        finally:
            context.close()
