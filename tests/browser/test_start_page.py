"""The start page in Chromium: what is new for Anna, its actions without JavaScript, axe,
the bell and its list, and the README's picture of the start page (docs/screenshots/).

Real data through the services: a reply in her thread that mentions her, an event
in Hesse with free seats, a new colleague with her expertise and his project, and
a chat room with an unread message.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chat import services as chat_services
from chat.models import RoomKind
from community import services
from community.models import Level, ProjectKind, Role
from events import services as event_services
from forum import services as forum_services
from tests.browser.a11y import axe_violations, blocking, describe, new_context, screenshot
from tests.forum.conftest import _category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def anna_network(taxonomy, member, make_member, make_municipality):
    giessen = make_municipality(name="Gießen", domains=["giessen.example"])
    gerd = make_member(
        municipality=giessen,
        role=Role.COORDINATOR,
        display_name="Gerd Gießen",
        position="Digitallotse",
    )
    services.member_set_expertise(member=gerd, expertise={"e-akte-dms": Level.EXPERT})
    services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.BASIC})
    services.project_create(
        created_by=gerd,
        municipality=giessen,
        title="E-Akte im Bauamt Gießen",
        kind=ProjectKind.EAKTE,
    )
    thread = forum_services.thread_create(
        author=member,
        category=_category("austausch"),
        title="Erfahrungen mit der E-Akte",
        body="Wer hat schon umgestellt?",
    )
    forum_services.post_create(
        author=gerd, thread=thread, body=f"Wir, seit 2023. @{member.handle}, ruf gern an."
    )
    starts = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    starts += dt.timedelta(days=3)
    event_services.event_create(
        created_by=gerd,
        title="Netzwerktreffen Mittelhessen",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=12,
        hosting_municipality=giessen,
    )
    room = chat_services.room_create(
        created_by=gerd, name="E-Akte-Runde", kind=RoomKind.PRIVATE, members=[member]
    )
    chat_services.message_post(
        room=room, author=gerd, body="Hallo Anna!", client_id="start-1", rate_limited=False
    )
    return {"member": member, "thread": thread}


def test_the_start_page_shows_what_is_new_and_its_actions_work_without_javascript(
    chromium, live_server, anna_network, axe_script
):
    context = new_context(
        chromium,
        live_server.url,
        anna_network["member"],
        bypass_csp=True,
        java_script_enabled=False,
    )
    try:
        page = context.new_page()
        page.goto("/")
        main = page.locator("main")
        for heading in (
            "Ungelesen im Forum",
            "Erwähnungen und Antworten",
            "Freie Plätze",
            "Neue Kolleg*innen in Ihren Fachgebieten",
            "Neue Projekte in Ihren Fachgebieten",
            "Ungelesen im Chat",
        ):
            expect(main.get_by_role("heading", level=2, name=heading)).to_be_visible()
        expect(main.get_by_role("link", name="Gerd Gießen", exact=True)).to_be_visible()
        expect(main.get_by_role("link", name="E-Akte-Runde")).to_be_visible()

        page.get_by_role("button", name="Anmelden – „Netzwerktreffen Mittelhessen“").click()
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.locator(".messages")).to_contain_text("Ihr Platz ist bestätigt")
        mine = page.get_by_role("region", name="Ihre nächsten Termine")
        expect(mine.get_by_role("link", name="Netzwerktreffen Mittelhessen")).to_be_visible()
        expect(page.get_by_role("heading", name="Freie Plätze")).to_have_count(0)

        page.get_by_role(
            "button", name="Als gelesen markieren – „Erfahrungen mit der E-Akte“"
        ).click()
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.get_by_role("heading", name="Ungelesen im Forum")).to_have_count(0)

        page.get_by_role("button", name="Als gelesen markieren – „E-Akte-Runde“").click()
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.locator(".messages")).to_contain_text(
            "„E-Akte-Runde“ ist als gelesen markiert."
        )
        expect(page.get_by_role("heading", name="Ungelesen im Chat")).to_have_count(0)
    finally:
        context.close()


def test_the_start_page_has_no_serious_accessibility_violation_wide_or_narrow(
    chromium, live_server, anna_network, axe_script
):
    context = new_context(chromium, live_server.url, anna_network["member"], bypass_csp=True)
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.get_by_role("heading", name="Erwähnungen und Antworten")).to_be_visible()
        screenshot(page, "uebersicht")  # the README's picture of the start page
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, describe(violations)
        page.set_viewport_size({"width": 320, "height": 640})
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, describe(violations)
    finally:
        context.close()


def test_a_newcomer_is_shown_the_first_steps(chromium, live_server, make_member, axe_script):
    newcomer = make_member(display_name="Nora Neu")
    _category("austausch")  # the forum's categories (a transactional test flushed them)
    context = new_context(chromium, live_server.url, newcomer, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto("/")
        steps = page.get_by_role("region", name="Ihre ersten Schritte")
        for link in ("Profil vervollständigen", "Menschen finden", "Sich im Forum vorstellen"):
            expect(steps.get_by_role("link", name=link)).to_be_visible()
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, describe(violations)
        steps.get_by_role("link", name="Sich im Forum vorstellen").click()
        expect(page.get_by_label("Kategorie")).to_have_value("austausch")
    finally:
        context.close()


def test_the_bell_counts_and_its_list_marks_what_it_shows_read(chromium, live_server, anna_network):
    """Gerd's reply mentions Anna: the bell counts it; opening the bell's list shows the
    entries as new this once and counts them as seen (issue 20)."""
    context = new_context(chromium, live_server.url, anna_network["member"])
    try:
        page = context.new_page()
        page.goto("/")
        count = page.locator("#notification-count")
        expect(count).to_be_visible()
        unread = int(count.inner_text())
        assert unread >= 1
        page.locator("#notification-bell").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Benachrichtigungen")
        entries = page.locator(".notification-list .notification-unread")
        expect(entries).to_have_count(unread)
        expect(entries.filter(has_text="Gerd Gießen").first).to_be_visible()
        expect(count).to_be_hidden()  # seen: the header counts nothing any more
        page.reload()
        expect(page.locator(".notification-list .notification-unread")).to_have_count(0)
        expect(page.locator(".notification-list")).to_contain_text("Gerd Gießen")
        page.goto("/")
        expect(count).to_be_hidden()
    finally:
        context.close()
