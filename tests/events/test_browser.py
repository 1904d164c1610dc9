"""A member signs up in Chromium, lands on the waiting list and moves up live.

The pages are served by a real daphne process (HTTP and WebSocket), so the
seat counts and the member's own status update on the open page without a
reload when someone else cancels through the API.
"""

import urllib.request

import pytest
from playwright.sync_api import expect

from community import services as community_services
from events import services
from tests.browser.conftest import sign_in_by_form
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_get_waitlisted_when_full_and_move_up_when_someone_cancels(
    chromium, member, make_member, make_event
):
    event = make_event(
        title="Ausgebuchter Workshop",
        capacity=1,
        format="online",
        online_url="https://meet.example/geheim",
    )
    other = make_member(display_name="Bernd Bucher")
    services.signup_create(event=event, member=other)
    other_token = community_services.member_token(member=other)

    with daphne() as address:
        context = chromium.new_context(base_url=f"http://{address}", locale="de-DE")
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            sign_in_by_form(page, member.email)
            expect(page.get_by_role("heading", level=1)).to_contain_text("Willkommen")

            page.goto(f"/termine/{event.pk}/")
            expect(page.get_by_role("heading", level=1)).to_have_text("Ausgebuchter Workshop")
            seats = page.locator("[data-event-seats]")
            expect(seats.locator('[data-seat="seats_left"]')).to_have_text("0")
            expect(page.get_by_text("meet.example/geheim")).to_have_count(0)

            page.get_by_role("button", name="Auf die Warteliste").click()
            expect(page.locator(".messages")).to_contain_text("Platz 1 der Warteliste")
            expect(page.locator("#my-status")).to_contain_text("Platz 1 der Warteliste")
            expect(seats.locator('[data-seat="waitlist_count"]')).to_have_text("1")

            # Bernd cancels through the API of the same server; the page follows live.
            page.wait_for_timeout(500)  # the socket of the reloaded page is open by now
            request = urllib.request.Request(
                f"http://{address}/api/events/{event.pk}/signup/",
                method="DELETE",
                headers={"Authorization": f"Token {other_token}"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 204

            expect(seats.locator('[data-seat="waitlist_count"]')).to_have_text("0")
            expect(page.locator("#my-status")).to_contain_text("nachgerückt")
            page.reload()
            expect(page.locator("#my-status")).to_contain_text("Ihr Platz ist bestätigt")
            expect(page.get_by_role("link", name="https://meet.example/geheim")).to_be_visible()
        finally:
            context.close()
