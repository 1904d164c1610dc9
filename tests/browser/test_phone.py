"""The main pages on a phone (390 × 844) and on a desktop (1280 × 800), in Chromium.

On each: nothing scrolls sideways, the page's main action is on the first
screen without scrolling, the header's controls and that action are finger-sized
(44 × 44 CSS px, WCAG 2.5.5) and axe-core finds no serious or critical issue.
The header's menu is a disclosure button on the phone; the chat room fills the
screen with the composer at the bottom; the month view is a list of days there.
The phone test also writes the phone screenshots of docs/screenshots/.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chat import services as chat_services
from chat.models import Room, RoomKind
from events import services as event_services
from tests.browser.a11y import axe_violations, blocking, describe, new_context, screenshot
from tests.browser.test_accessibility import network  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SITE_SEARCH = "Suche in Menschen, Projekten, Forum, Terminen und Chat"


@pytest.fixture
def bursts(settings):
    settings.CHAT_RATE_BURST = 1000  # thirty messages at once, before the network's first


@pytest.fixture
def busy(bursts, network):  # noqa: F811 (the fixture imported above)
    """The small network with a long chat, more rooms and a month full of events."""
    anna, erika = network["member"], network["expert"]
    for name in ("E-Akte", "Onlinedienste", "Schulungen", "Förderprogramme"):
        chat_services.room_create(created_by=None, name=name, kind=RoomKind.NETWORK)
    room = Room.objects.get(slug="allgemein")
    for number in range(30):
        chat_services.message_post(
            room=room,
            author=anna if number % 2 else erika,
            body=f"Nachricht {number}: Wie weit seid ihr mit der **E-Akte** im Bauamt?",
            client_id=f"phone-{number}",
        )
    first = timezone.localdate().replace(day=1)
    for offset, title in ((9, "Treffen der Digitalisierungsbeauftragten"), (12, "Webinar")):
        day = first + dt.timedelta(days=offset)
        starts = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 0)))
        event_services.event_create(
            created_by=erika,
            title=title,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            format="online",
            online_url="https://meet.example/webinar",
            hosting_municipality=erika.municipality,
            description="Online.",
        )
    return network


def sideways(page) -> int:
    """How far the document reaches past the viewport's width (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def on_first_screen(page, locator) -> bool:
    """The element is shown, wholly inside the viewport, without any scrolling."""
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and page.evaluate("window.scrollY") == 0
        and box["y"] >= 0
        and box["x"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] + box["width"] <= size["width"]
    )


SMALL_TARGETS = """(selector) => {
    const found = [];
    for (const el of document.querySelectorAll(selector)) {
        const box = el.getBoundingClientRect();
        if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") continue;
        if (box.width < 44 - 0.5 || box.height < 44 - 0.5) {
            const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
            found.push(`${el.outerHTML.slice(0, 80)} ${size}`);
        }
    }
    return found;
}"""
HEADER_CONTROLS = ".site-header a, .site-header button, .site-header input, .site-header summary"
# On a phone every control of the content too (inline links in text are exempt, as in WCAG).
CONTENT_CONTROLS = (
    "main button, main summary, main input[type=submit], main .pagination a, main .month-nav a"
)


def small_targets(page, selector: str = HEADER_CONTROLS) -> list[str]:
    return page.evaluate(SMALL_TARGETS, selector)


# Each page and what its first screen must offer: the main action.
PAGES = {
    "start": ("/", lambda page: page.get_by_role("heading", level=1)),
    "forum": ("/forum/", lambda page: page.get_by_role("link", name="Neues Thema")),
    "chat": ("/chat/allgemein/", lambda page: page.get_by_role("button", name="Senden")),
    "chat-rooms": ("/chat/", lambda page: page.get_by_role("link", name="E-Akte")),
    "calendar": ("/termine/", lambda page: page.get_by_role("link", name="Termin anlegen")),
    "calendar-month": (
        "/termine/monat/",
        lambda page: page.get_by_role("link", name="Termin anlegen"),
    ),
    "people": ("/menschen/", lambda page: page.get_by_label("Wer kennt sich aus mit …")),
    "search": (
        "/suche/?q=E-Akte",
        lambda page: page.get_by_role("link", name="Chat (30)"),
    ),
    "search-kind": (
        "/suche/?q=E-Akte&type=message&page=2",
        lambda page: page.get_by_role("link", name="Chat (30)"),
    ),
}


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_main_pages_fit_the_screen_with_their_main_action_in_reach(
    size, chromium, live_server, busy, axe_script
):
    # Erika coordinates: she may create events, so the calendar has its main action.
    context = new_context(chromium, live_server.url, busy["expert"], bypass_csp=True)
    try:
        page = context.new_page()
        page.set_viewport_size(size)
        problems = {}
        for name, (path, main_action) in PAGES.items():
            page.goto(path)
            found = []
            if (extra := sideways(page)) > 0:
                found.append(f"scrolls sideways by {extra} px")
            action = main_action(page)
            expect(action).to_be_visible()
            if not on_first_screen(page, action):
                found.append(f"main action not on the first screen: {action.bounding_box()}")
            if name != "start" and not name.startswith("people"):
                found += [f"small: {t}" for t in small_targets(page, _selector(action))]
            found += [f"small: {t}" for t in small_targets(page)]
            if size == PHONE:
                found += [f"small: {t}" for t in small_targets(page, CONTENT_CONTROLS)]
            if violations := blocking(axe_violations(page, axe_script)):
                found.append(describe(violations))
            if found:
                problems[name] = found
        assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
    finally:
        context.close()


def _selector(locator) -> str:
    """A CSS selector for just this element (marks it), for the target-size check."""
    locator.evaluate("(el) => el.setAttribute('data-main-action', '')")
    return "[data-main-action]"


def test_phone_header_menu_opens_closes_on_escape_and_keeps_search_in_reach(
    chromium, live_server, busy, axe_script
):
    context = new_context(chromium, live_server.url, busy["member"], bypass_csp=True)
    try:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        page.goto("/forum/")
        header = page.locator(".site-header")
        assert header.bounding_box()["height"] <= 60, "the closed header is one row"
        menu = page.get_by_role("button", name="Menü")
        nav = page.get_by_role("navigation", name="Hauptnavigation")
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(menu).to_have_attribute("aria-controls", "site-menu")
        expect(nav).to_be_hidden()
        expect(page.get_by_role("link", name="Benachrichtigungen")).to_be_visible()

        # By keyboard: Tab to the button, Enter opens, the links follow in tab order.
        menu.focus()
        page.keyboard.press("Enter")
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(nav).to_be_visible()
        search = page.get_by_label(SITE_SEARCH)
        expect(search).to_be_visible()
        expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
        assert not small_targets(page), small_targets(page)
        assert sideways(page) <= 0
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, describe(violations)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Übersicht"

        # Escape closes it and puts the focus back on the button.
        page.keyboard.press("Escape")
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(nav).to_be_hidden()
        expect(menu).to_be_focused()

        # The search works from the open menu.
        menu.click()
        search.fill("E-Akte")
        search.press("Enter")
        page.wait_for_url("**/suche/?q=E-Akte*")
        expect(page.locator("main")).to_contain_text("Erika Expertin")

        # At 320 px the open menu fits as well.
        page.set_viewport_size({"width": 320, "height": 640})
        page.get_by_role("button", name="Menü").click()
        expect(search).to_be_visible()
        assert sideways(page) <= 0
        assert not small_targets(page), small_targets(page)
    finally:
        context.close()


def test_phone_search_shows_all_of_a_kind_page_by_page_and_back(
    chromium, live_server, busy, axe_script
):
    """From each kind's best to all of one kind, a page further, and back with the
    browser: the query and the kind stay, the tab of the kind is the current one."""
    context = new_context(chromium, live_server.url, busy["member"], bypass_csp=True)
    try:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        page.goto("/suche/?q=E-Akte")
        tabs = page.get_by_role("navigation", name="Arten von Treffern")
        expect(tabs.get_by_role("link", name="Alle", exact=False).first).to_have_attribute(
            "aria-current", "page"
        )
        page.get_by_role("link", name="Alle 30 Chat-Nachrichten anzeigen").click()
        page.wait_for_url("**/suche/?q=E-Akte&type=message")
        expect(tabs.get_by_role("link", name="Chat (30)")).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("heading", level=2, name="Chat")).to_be_visible()
        expect(page.locator("main")).to_contain_text("1–20 von 30 Treffern")
        page.get_by_role("navigation", name="Seiten").get_by_role("link", name="Weiter").click()
        page.wait_for_url("**/suche/?q=E-Akte&type=message&page=2")
        expect(page.locator("main")).to_contain_text("21–30 von 30 Treffern")
        assert sideways(page) <= 0
        assert not small_targets(page, CONTENT_CONTROLS + ", main .search-tabs a")
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, describe(violations)
        page.go_back()
        page.wait_for_url("**/suche/?q=E-Akte&type=message")
        expect(page.locator("main")).to_contain_text("1–20 von 30 Treffern")
        expect(page.get_by_label("Suchbegriffe")).to_have_value("E-Akte")
        page.go_back()
        page.wait_for_url("**/suche/?q=E-Akte")
        expect(page.get_by_role("link", name="Alle 30 Chat-Nachrichten anzeigen")).to_be_visible()
    finally:
        context.close()


def test_without_a_script_the_navigation_stays_reachable_on_a_phone(chromium, live_server, busy):
    context = new_context(chromium, live_server.url, busy["member"], java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        page.goto("/forum/")
        expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
        expect(page.get_by_role("link", name="Termine", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Menü")).to_be_hidden()
        expect(page.get_by_label(SITE_SEARCH)).to_be_visible()
        page.goto("/chat/allgemein/")
        expect(page.get_by_role("navigation", name="Räume")).to_be_visible()
        assert sideways(page) <= 0
    finally:
        context.close()


def test_desktop_header_is_one_row_without_a_menu_button(chromium, live_server, busy):
    context = new_context(chromium, live_server.url, busy["member"])
    try:
        page = context.new_page()
        for width in (1024, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto("/forum/")
            assert page.locator(".site-header").bounding_box()["height"] <= 60, width
            expect(page.get_by_role("button", name="Menü")).to_be_hidden()
            expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
            expect(page.get_by_label(SITE_SEARCH)).to_be_visible()
            if width >= 1280:
                expect(page.locator(".avatar-link")).to_contain_text("Anna Schmidt")
    finally:
        context.close()


def test_phone_chat_keeps_the_composer_at_the_bottom_and_the_rooms_one_tap_away(
    chromium, live_server, busy, axe_script
):
    context = new_context(chromium, live_server.url, busy["member"], bypass_csp=True)
    try:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        page.goto("/chat/allgemein/")
        composer = page.get_by_label("Nachricht", exact=True)
        send = page.get_by_role("button", name="Senden")
        log = page.get_by_role("list", name="Nachrichten")
        expect(log).to_contain_text("Nachricht 29")
        for element in (composer, send):
            assert on_first_screen(page, element), element
        # The composer sits at the bottom; the messages take the space between.
        assert send.bounding_box()["y"] + send.bounding_box()["height"] > PHONE["height"] - 120
        assert log.bounding_box()["height"] >= 200, log.bounding_box()
        newest = page.locator("#chat-log li").last
        assert on_first_screen(page, newest), "the newest message is in view"
        assert page.evaluate("document.getElementById('chat-log').scrollTop") > 0

        rooms = page.get_by_role("button", name="Räume")
        room_list = page.get_by_role("navigation", name="Räume")
        expect(rooms).to_have_attribute("aria-expanded", "false")
        expect(room_list).to_be_hidden()
        # One tap shows the rooms in the room's place; Escape (or the button) brings it back.
        rooms.click()
        expect(rooms).to_have_attribute("aria-expanded", "true")
        expect(room_list).to_be_visible()
        other = room_list.get_by_role("link", name="Onlinedienste")
        assert on_first_screen(page, other)
        assert sideways(page) <= 0
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, describe(violations)
        other.focus()
        page.keyboard.press("Escape")
        expect(room_list).to_be_hidden()
        expect(rooms).to_be_focused()
        assert on_first_screen(page, send)
        rooms.click()
        other.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Onlinedienste")
    finally:
        context.close()


def test_phone_month_view_is_a_list_of_days_with_events(chromium, live_server, busy, axe_script):
    context = new_context(chromium, live_server.url, busy["member"], bypass_csp=True)
    try:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        page.goto("/termine/monat/")
        event = page.get_by_role("link", name="Treffen der Digitalisierungsbeauftragten")
        expect(event).to_be_visible()
        assert sideways(page) <= 0
        # A day without events is not shown; one with events shows its full date.
        days = page.locator(".month-grid td:visible")
        assert days.count() >= 1
        for index in range(days.count()):
            assert days.nth(index).locator("li").count() >= 1
        # No word broken inside: the long title's box is as wide as one line needs.
        line = page.evaluate(
            """(el) => { const r = el.getClientRects(); return r.length; }""",
            event.element_handle(),
        )
        assert line <= 2
        screenshot(page, "termine-monat-handy")
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, describe(violations)
    finally:
        context.close()


def test_phone_screenshots(chromium, live_server, busy):
    """The README's pictures of the phone: start page, forum, calendar, people, the open menu."""
    context = new_context(chromium, live_server.url, busy["member"])
    try:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        for name, path in (
            ("uebersicht-handy", "/"),
            ("forum-handy", "/forum/"),
            ("termine-handy", "/termine/"),
            ("menschen-handy", "/menschen/?q=E-Akte"),
            ("suche-handy", "/suche/?q=E-Akte"),
        ):
            page.goto(path)
            screenshot(page, name)
        page.goto("/forum/")
        page.get_by_role("button", name="Menü").click()
        screenshot(page, "menue-handy")
    finally:
        context.close()
