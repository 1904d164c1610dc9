"""axe-core finds no serious or critical WCAG 2.1 A/AA violation on the main pages.

axe-core comes from the npm registry at the version pinned in
tests/browser/package-lock.json; the test injects it into the page with
Playwright (``add_script_tag``), the platform never serves it. The contexts of
these tests bypass the page's Content-Security-Policy (``bypass_csp=True``)
so that the injected script may run; nothing else in the suite does that.
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
from tests.browser.a11y import (
    axe_violations,
    blocking,
    describe,
    has_visible_focus,
    low_contrast_controls,
    new_context,
)
from tests.browser.conftest import sign_in_by_form
from tests.forum.conftest import _category
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def network(taxonomy, member, make_member, make_municipality):
    """A small network with something on every page: a thread, an event, a room, a project."""
    marburg = make_municipality(name="Marburg", domains=["marburg.example"])
    expert = make_member(  # coordinator: she hosts the event in Marburg below
        municipality=marburg,
        role=Role.COORDINATOR,
        display_name="Erika Expertin",
        position="Digitallotsin",
        bio="Ich begleite die **E-Akte** in Marburg.",
    )
    services.member_set_expertise(member=expert, expertise={"e-akte-dms": Level.EXPERT})
    services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.BASIC})
    project = services.project_create(
        created_by=expert,
        municipality=marburg,
        title="Einführung enaio in Marburg",
        kind=ProjectKind.EAKTE,
        tools=["enaio"],
        members=[expert],
    )
    thread = forum_services.thread_create(
        author=member,
        category=_category("austausch"),
        title="Erfahrungen mit der E-Akte",
        body="Wer hat schon **umgestellt**?",
    )
    forum_services.post_create(author=expert, thread=thread, body="Wir, seit 2023. _Gerne_ mehr.")
    starts = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    starts += dt.timedelta(days=2)
    event = event_services.event_create(
        created_by=expert,
        title="Netzwerktreffen Mittelhessen",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        format="hybrid",
        location="Rathaus Wetzlar",
        online_url="https://meet.example/treffen",
        capacity=20,
        hosting_municipality=marburg,
        description="Wir sprechen über die **E-Akte**.",
    )
    room = chat_services.room_create(
        created_by=None, name="Allgemein", kind=RoomKind.NETWORK, slug="allgemein"
    )
    chat_services.message_post(
        room=room, author=expert, body="Guten Morgen, **Netz**!", client_id="a11y-1"
    )
    return {
        "member": member,
        "expert": expert,
        "project": project,
        "thread": thread,
        "event": event,
    }


PAGES = {
    "dashboard": lambda n: "/",
    "forum-list": lambda n: "/forum/",
    "thread": lambda n: f"/forum/thema/{n['thread'].pk}/",
    "composer": lambda n: "/forum/neu/",
    "chat": lambda n: "/chat/allgemein/",
    "chat-rooms": lambda n: "/chat/",
    "calendar-agenda": lambda n: "/termine/",
    "calendar-month": lambda n: "/termine/monat/",
    "event": lambda n: f"/termine/{n['event'].pk}/",
    "directory": lambda n: "/menschen/?q=E-Akte",
    "profile": lambda n: f"/menschen/{n['expert'].handle}/",
    "profile-edit": lambda n: "/profil/",
    "expertise-edit": lambda n: "/profil/erfahrung/",
    "project-list": lambda n: "/projekte/",
    "project": lambda n: f"/projekte/{n['project'].pk}/",
    "notifications": lambda n: "/benachrichtigungen/",
    "feed-settings": lambda n: "/termine/kalender-abo/",
    "accessibility-statement": lambda n: "/barrierefreiheit/",
}
# What these pages must show while axe looks at them (not an empty state).
SHOWS = {
    "dashboard": "Willkommen, Anna",
    "thread": "Wir, seit 2023.",
    "chat": "Guten Morgen, Netz!",
    "calendar-agenda": "Netzwerktreffen Mittelhessen",
    "calendar-month": "Netzwerktreffen Mittelhessen",
    "event": "Rathaus Wetzlar",
    "directory": "Erika Expertin",
    "profile": "Ich begleite die E-Akte in Marburg.",
    "project-list": "Einführung enaio in Marburg",
    "project": "enaio",
    "notifications": "Erika Expertin",
}


@pytest.mark.parametrize("name", PAGES)
def test_main_page_has_no_serious_accessibility_violation(
    name, chromium, live_server, network, axe_script
):
    context = new_context(chromium, live_server.url, network["member"], bypass_csp=True)
    try:
        page = context.new_page()
        response = page.goto(PAGES[name](network))
        assert response.status == 200, f"{name}: HTTP {response.status}"
        if name in SHOWS:
            expect(page.locator("main")).to_contain_text(SHOWS[name])
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, f"{name} ({page.url}):\n{describe(violations)}"
    finally:
        context.close()


def test_invite_page_of_a_coordinator_has_no_serious_accessibility_violation(
    chromium, live_server, coordinator, axe_script
):
    context = new_context(chromium, live_server.url, coordinator, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto("/einladen/")
        expect(page.get_by_role("button", name="Einladung senden")).to_be_visible()
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, f"invite:\n{describe(violations)}"
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/anmelden/", "/registrieren/", "/passwort-vergessen/"])
def test_public_page_has_no_serious_accessibility_violation(
    path, chromium, live_server, axe_script
):
    context = new_context(chromium, live_server.url, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(path)
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, f"{path}:\n{describe(violations)}"
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 320])
def test_both_steps_of_the_sign_in_pass_axe_and_fit_a_phone(
    width, chromium, live_server, member, axe_script
):
    """Step 1 (with and without an error) and step 2 (with and without an error)."""
    context = new_context(chromium, live_server.url, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 800})
        checked = []

        def check(name):
            assert page.locator("h1").count() == 1, name
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            checked.append((name, blocking(axe_violations(page, axe_script))))

        page.goto("/anmelden/")
        check("address")
        page.get_by_role("button", name="Weiter").click()
        expect(page.get_by_role("alert")).to_contain_text("Bitte geben Sie Ihre E-Mail-Adresse")
        check("address, error")
        page.get_by_label("E-Mail-Adresse").fill(member.email)
        page.get_by_role("button", name="Weiter").click()
        expect(page.get_by_label("Passwort")).to_be_focused()
        check("password")
        page.get_by_role("button", name="Anmelden").click()
        expect(page.get_by_role("alert")).to_contain_text("Bitte geben Sie Ihr Passwort ein")
        check("password, error")
        wrong = [f"{name}:\n{describe(v)}" for name, v in checked if v]
        assert not wrong, "\n".join(wrong)
    finally:
        context.close()


def test_accessibility_statement_is_linked_from_every_page_and_has_a_feedback_link(
    chromium, live_server, axe_script
):
    context = new_context(chromium, live_server.url, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto("/anmelden/")
        legal = page.get_by_role("navigation", name="Rechtliches")
        legal.get_by_role("link", name="Barrierefreiheit").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Erklärung zur Barrierefreiheit")
        for section in (
            "Stand der Vereinbarkeit mit den Anforderungen",
            "Nicht barrierefreie Inhalte",
            "Erstellung dieser Erklärung",
            "Barrieren melden: Feedback und Kontakt",
            "Durchsetzungsverfahren: Schlichtungsstelle",
        ):
            expect(page.get_by_role("heading", level=2, name=section)).to_be_visible()
        feedback = page.locator("#feedback-link")
        assert feedback.get_attribute("href").startswith("mailto:")
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, describe(violations)
    finally:
        context.close()


def test_no_main_page_scrolls_sideways_at_320_css_pixels(
    chromium, live_server, network, axe_script
):
    """Reflow (WCAG 1.4.10): 320 px wide, as at 400 % zoom; wide tables scroll by themselves.

    axe-core runs on the narrow pages too: a table that scrolls must be reachable by keyboard.
    """
    context = new_context(chromium, live_server.url, network["member"], bypass_csp=True)
    try:
        page = context.new_page()
        page.set_viewport_size({"width": 320, "height": 640})
        too_wide, violations = {}, {}
        for name, path in PAGES.items():
            page.goto(path(network))
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                too_wide[name] = width
            if found := blocking(axe_violations(page, axe_script)):
                violations[name] = describe(found)
        assert not too_wide, f"pages wider than 320 px: {too_wide}"
        assert not violations, "\n".join(f"{k} (320 px):\n{v}" for k, v in violations.items())
    finally:
        context.close()


FOCUS_PAGES = ["dashboard", "thread", "chat", "calendar-month", "event", "directory", "project"]


def test_every_keyboard_stop_on_the_main_pages_shows_the_focus(chromium, live_server, network):
    """WCAG 2.4.7: Tab through each page to its end; every stop draws an outline or a shadow."""
    context = new_context(chromium, live_server.url, network["member"])
    try:
        page = context.new_page()
        invisible = {}
        for name in FOCUS_PAGES:
            page.goto(PAGES[name](network))
            stops = 0
            while stops < 150:
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement === document.body"):
                    break  # past the last stop
                stops += 1
                if not has_visible_focus(page):
                    invisible.setdefault(name, []).append(
                        page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
                    )
            assert stops > 5, f"{name}: only {stops} keyboard stops"
        assert not invisible, f"focus not visible on: {invisible}"
    finally:
        context.close()


def test_forms_showing_errors_have_no_serious_accessibility_violation(
    chromium, live_server, network, axe_script
):
    """Error states: the messages are tied to their fields and still meet contrast."""
    context = new_context(chromium, live_server.url, network["member"], bypass_csp=True)
    anonymous = new_context(chromium, live_server.url, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto("/forum/neu/")
        page.get_by_role("button", name="Thema beginnen").click()
        expect(page.locator(".field-errors").first).to_be_visible()
        title = page.get_by_label("Titel")
        assert title.get_attribute("aria-invalid") == "true"
        described = title.get_attribute("aria-describedby") or ""
        assert any(page.locator(f"#{i}.field-errors").count() for i in described.split())
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, f"composer with errors:\n{describe(violations)}"

        login = anonymous.new_page()
        sign_in_by_form(login, network["member"].email, "falsch")
        expect(login.get_by_role("alert")).to_be_visible()
        violations = blocking(axe_violations(login, axe_script))
        assert not violations, f"sign-in with an error:\n{describe(violations)}"
    finally:
        context.close()
        anonymous.close()


def test_the_axe_check_would_catch_a_missing_label_and_a_nameless_button(
    chromium, live_server, member, axe_script
):
    """The check itself: an unlabelled field and an empty button are reported as serious."""
    context = new_context(chromium, live_server.url, member, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto("/")
        page.evaluate(
            """() => document.querySelector("main").insertAdjacentHTML(
                "beforeend", '<form><input type="text"><button type="submit"></button></form>')"""
        )
        found = {v["id"] for v in blocking(axe_violations(page, axe_script))}
        assert {"label", "button-name"} <= found
    finally:
        context.close()


def test_what_the_page_marks_hidden_is_neither_shown_nor_read(chromium, live_server, network):
    """A class's ``display`` must not undo ``hidden``: no "0" at the bell, no idle buttons."""
    context = new_context(chromium, live_server.url, network["expert"])  # nothing unread
    try:
        page = context.new_page()
        page.goto("/chat/allgemein/")
        expect(page.locator("#notification-count")).to_be_hidden()
        expect(page.get_by_role("button", name="Ältere Nachrichten laden")).to_be_hidden()
    finally:
        context.close()


def test_composer_with_open_mention_suggestions_has_no_serious_violation(
    chromium, live_server, network, axe_script
):
    """The suggestions list as it opens: a listbox whose options are its own (no list items)."""
    context = new_context(chromium, live_server.url, network["member"], bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"/forum/thema/{network['thread'].pk}/")
        page.get_by_label("Text", exact=False).first.press_sequentially("Danke @Er")
        expect(page.get_by_role("option", name="Erika Expertin (@erika-expertin)")).to_be_visible()
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, f"mention suggestions:\n{describe(violations)}"
    finally:
        context.close()


def test_live_chat_with_arriving_messages_has_no_serious_violation(chromium, network, axe_script):
    """The chat after messages came in over the socket (daphne), not only as first served."""
    with daphne() as address:
        base = f"http://{address}"
        anna_context = new_context(chromium, base, network["member"], bypass_csp=True)
        erika_context = new_context(chromium, base, network["expert"])
        try:
            anna, erika = anna_context.new_page(), erika_context.new_page()
            for page in (anna, erika):
                page.goto("/chat/allgemein/")
            for page in (anna, erika):
                expect(page.locator("#chat-online")).to_contain_text("Erika Expertin")
            erika.get_by_label("Nachricht", exact=True).fill("Neu: *Checkliste* für die E-Akte")
            erika.keyboard.press("Enter")
            anna.get_by_label("Nachricht", exact=True).fill("Danke!")
            anna.keyboard.press("Enter")
            log = anna.get_by_role("list", name="Nachrichten")
            expect(log).to_contain_text("Checkliste für die E-Akte")
            expect(log).to_contain_text("Danke!")
            expect(anna.locator("#chat-pending li")).to_have_count(0)
            violations = blocking(axe_violations(anna, axe_script))
            assert not violations, f"live chat:\n{describe(violations)}"
        finally:
            anna_context.close()
            erika_context.close()


def test_form_fields_and_buttons_stand_out_from_their_background(chromium, live_server, network):
    """WCAG 1.4.11 (non-text contrast), which axe-core does not check: edges at 3:1."""
    context = new_context(chromium, live_server.url, network["member"])
    try:
        page = context.new_page()
        weak = {}
        for name, path in PAGES.items():
            page.goto(path(network))
            found = low_contrast_controls(page)
            if found:
                weak[name] = found
        assert not weak, f"controls below 3:1 against their background: {weak}"
    finally:
        context.close()
