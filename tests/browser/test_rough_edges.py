"""Issue 20 in the browser: no console errors, chat line breaks and dates, confirmations,
the feed's copy button, the composer's toolbar and drafts, the expertise picker.

Every page is served by daphne (tests/servers.py), so the sockets of chat,
forum, events and the bell connect as in production and a failed one counts.
"""

import re
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import axe_violations, blocking, describe, new_context
from tests.browser.conftest import AXE_SCRIPT
from tests.browser.test_accessibility import PAGES, network  # noqa: F401 (fixture)
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server():
    # Links follow the address served at (core/site.py), as without SITE_URL in production.
    with daphne(LOTSENNETZ_TEST_FOLLOW_HOST="1") as address:
        yield f"http://{address}"


def watch(page) -> list[str]:
    """Console errors, uncaught exceptions, failed requests and 4xx/5xx answers of a page."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"exception {error}"))
    page.on(
        "requestfailed",
        lambda request: problems.append(f"failed {request.url} {request.failure}"),
    )
    page.on(
        "response",
        lambda response: (
            problems.append(f"HTTP {response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    return problems


def test_no_main_page_logs_an_error_or_fails_a_request_and_each_has_a_titled_tab(
    chromium,
    server,
    network,  # noqa: F811
):
    context = new_context(chromium, server, network["member"])
    try:
        page = context.new_page()
        problems = watch(page)
        for name, path in PAGES.items():
            problems.clear()
            response = page.goto(path(network))
            assert response.status == 200, name
            page.wait_for_load_state("networkidle")
            assert problems == [], f"{name}: {problems}"
            assert re.fullmatch(r".+ – Lotsennetz", page.title()), (name, page.title())
        # The favicon is the platform's own and loads.
        icon = page.locator('link[rel="icon"][type="image/svg+xml"]').get_attribute("href")
        assert page.request.get(icon).status == 200
    finally:
        context.close()


def test_shift_enter_keeps_line_breaks_and_a_live_date_reads_as_after_reload(
    chromium,
    server,
    network,  # noqa: F811
):
    for locale, lang in (("de-DE", "de"), ("en-GB", "en")):
        context = new_context(chromium, server, network["member"])
        context.add_cookies([{"name": "django_language", "value": lang, "url": server}])
        try:
            page = context.new_page()
            problems = watch(page)
            page.goto("/chat/allgemein/")
            expect(page.locator("#chat")).to_have_attribute("data-ready", "1")
            field = page.locator("#chat-body")
            field.fill(f"Erste Zeile {lang}")
            field.press("Shift+Enter")
            field.type("Zweite Zeile")
            field.press("Enter")
            live = page.locator("#chat-log li").filter(has_text=f"Erste Zeile {lang}")
            expect(live.locator(".chat-body br")).to_have_count(1)
            expect(live.locator(".chat-body")).to_have_text(f"Erste Zeile {lang}\nZweite Zeile")
            live_time = live.locator("time").inner_text()
            page.reload()
            reloaded = page.locator("#chat-log li").filter(has_text=f"Erste Zeile {lang}")
            expect(reloaded.locator(".chat-body br")).to_have_count(1)
            assert reloaded.locator("time").inner_text() == live_time, locale
            if lang == "en":
                assert re.match(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M$", live_time)
            else:
                assert re.match(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d$", live_time)
            assert problems == []
        finally:
            context.close()


def test_leaving_a_room_and_deleting_a_post_ask_first(
    chromium,
    server,
    network,  # noqa: F811
):
    context = new_context(chromium, server, network["member"])
    try:
        page = context.new_page()
        page.goto(f"/forum/thema/{network['thread'].pk}/")
        questions = []

        def answer(dialog, accept):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        page.once("dialog", lambda dialog: answer(dialog, False))
        page.locator("#beitrag-1").get_by_role("button", name="Löschen").click()
        expect(page.locator("#beitrag-1")).not_to_contain_text("gelöscht")
        assert questions == ["Diesen Beitrag wirklich löschen?"]
        page.once("dialog", lambda dialog: answer(dialog, True))
        page.locator("#beitrag-1").get_by_role("button", name="Löschen").click()
        expect(page.locator(".messages")).to_contain_text("Der Beitrag ist gelöscht.")

        page.goto("/chat/allgemein/")
        page.once("dialog", lambda dialog: answer(dialog, False))
        page.get_by_text("Raum-Optionen").click()  # the room's options fold out
        page.get_by_role("button", name="Raum verlassen").click()
        expect(page).to_have_url(re.compile(r"/chat/allgemein/$"))
        page.once("dialog", lambda dialog: answer(dialog, True))
        page.get_by_role("button", name="Raum verlassen").click()
        expect(page).to_have_url(re.compile(r"/chat/$"))
        assert len(questions) == 4 and "verlassen" in questions[2]
    finally:
        context.close()


def test_withdrawing_from_an_event_asks_first_and_a_full_event_offers_the_waiting_list(
    chromium,
    server,
    network,  # noqa: F811
    make_member,
):
    # Everything the page must learn live goes through the server (daphne): this
    # thread runs Playwright's event loop and cannot ring the channel layer itself.
    from community import services as community
    from events import services as events

    event = events.event_create(
        created_by=network["expert"],
        title="Kleiner Workshop",
        starts_at=network["event"].starts_at,
        ends_at=network["event"].ends_at,
        capacity=1,
        hosting_municipality=network["expert"].municipality,
    )
    bernd_token = community.member_token(member=make_member(display_name="Bernd Bucher"))
    context = new_context(chromium, server, network["member"])
    try:
        page = context.new_page()
        page.goto(f"/termine/{event.pk}/")
        page.get_by_role("button", name="Zum Termin anmelden").click()
        expect(page.locator("#my-status")).to_contain_text("bestätigt")
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.get_by_role("button", name="Anmeldung zurückziehen").click()
        expect(page.locator("#my-status")).to_contain_text("bestätigt")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Anmeldung zurückziehen").click()
        expect(page.get_by_role("button", name="Zum Termin anmelden")).to_be_visible()
        page.wait_for_timeout(500)  # the socket of the reloaded page is open by now
        request = urllib.request.Request(
            f"{server}/api/events/{event.pk}/signup/",
            method="POST",
            headers={"Authorization": f"Token {bernd_token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status in (200, 201)
        # Filled up while the page is open: the button offers the waiting list.
        expect(page.get_by_role("button", name="Auf die Warteliste")).to_be_visible()
        page.reload()
        expect(page.get_by_role("button", name="Auf die Warteliste")).to_be_visible()
    finally:
        context.close()


def test_the_feed_address_is_copied_with_one_click(
    chromium,
    server,
    network,  # noqa: F811
):
    context = new_context(chromium, server, network["member"])
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    try:
        page = context.new_page()
        page.goto("/termine/kalender-abo/")
        address = page.get_by_label("Ihre persönliche Abo-Adresse").input_value()
        assert address.startswith(server + "/termine/feed/")
        webcal = page.get_by_role("link", name=re.compile("abonnieren"))
        assert webcal.get_attribute("href") == "webcal://" + address.split("://", 1)[1]
        page.get_by_role("button", name="Adresse kopieren").click()
        expect(page.get_by_role("status").filter(has_text="kopiert")).to_have_text(
            "Die Abo-Adresse ist kopiert."
        )
        assert page.evaluate("navigator.clipboard.readText()") == address
    finally:
        context.close()


def test_the_composer_toolbar_inserts_markdown_and_a_draft_survives_leaving(
    chromium,
    server,
    network,  # noqa: F811
    taxonomy,
):
    context = new_context(chromium, server, network["member"])
    try:
        page = context.new_page()
        page.goto("/forum/neu/")
        body = page.get_by_label("Text", exact=False).first
        toolbar = page.get_by_role("toolbar", name="Formatierung")
        body.fill("Wichtig")
        body.press("Control+a")
        toolbar.get_by_role("button", name="Fett").click()
        expect(body).to_have_value("**Wichtig**")
        body.press("End")
        body.press("Enter")
        toolbar.get_by_role("button", name="Liste").click()
        body.type("Punkt")
        # A blank line first: in Markdown a list right under a paragraph line is no list.
        expect(body).to_have_value("**Wichtig**\n\n- Punkt")
        expect(page.locator(".composer-preview strong")).to_have_text("Wichtig")
        expect(page.locator(".composer-preview li")).to_have_text("Punkt")
        # Arrow keys move between the buttons (one tab stop).
        toolbar.get_by_role("button", name="Fett").focus()
        page.keyboard.press("ArrowRight")
        expect(toolbar.get_by_role("button", name="Kursiv")).to_be_focused()

        page.goto("/")  # left without sending
        page.goto("/forum/neu/")
        expect(body).to_have_value("**Wichtig**\n\n- Punkt")
        expect(page.get_by_role("status").filter(has_text="Entwurf")).to_be_visible()

        # The expertise: checkboxes, narrowed by typing, no Ctrl+click.
        picker = page.get_by_role("group", name="Fachgebiete")
        picker.get_by_label("Fachgebiete filtern").fill("akte")
        expect(picker.get_by_label("E-Akte/DMS")).to_be_visible()
        expect(picker.get_by_label("Datenschutz", exact=True)).to_be_hidden()
        picker.get_by_label("E-Akte/DMS").check()
        page.get_by_label("Kategorie").select_option("austausch")
        page.get_by_label("Titel").fill("Mit Entwurf")
        page.get_by_role("button", name="Thema beginnen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mit Entwurf")
        expect(page.locator("main")).to_contain_text("E-Akte/DMS")
        page.goto("/forum/neu/")
        expect(body).to_have_value("")  # sent: the draft is gone
    finally:
        context.close()


GERMAN_DATE_WORDS = re.compile(
    r"\b(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag|Januar|Februar|März"
    r"|Mai|Juni|Juli|Oktober|Dezember|Uhr)\b"
)


def test_english_reads_english_and_german_says_abmelden_only_for_signing_out(
    chromium,
    server,
    network,  # noqa: F811
):
    event = network["event"]
    starts = event.starts_at
    english = new_context(chromium, server, network["member"])
    english.add_cookies([{"name": "django_language", "value": "en", "url": server}])
    german = new_context(chromium, server, network["member"])
    try:
        page = english.new_page()
        problems = watch(page)
        page.goto(f"/termine/{event.pk}/")
        main = page.locator("main")
        expect(main.get_by_role("button", name="Sign up for this event")).to_be_visible()
        expect(page.get_by_role("button", name="Sign in", exact=True)).to_have_count(0)
        assert not GERMAN_DATE_WORDS.search(main.inner_text()), main.inner_text()
        when = main.locator("time").first.inner_text()
        assert re.match(r"[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M", when)
        main.get_by_role("button", name="Sign up for this event").click()
        expect(main.get_by_role("button", name="Cancel registration")).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_have_count(1)

        page.goto(f"/termine/monat/{starts.year}/{starts.month}/")
        month = starts.strftime("%B")  # the C locale: English month names
        assert page.title() == f"Month view {month} {starts.year} – Lotsennetz", page.title()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"{month} {starts.year}")
        assert not GERMAN_DATE_WORDS.search(page.locator("main").inner_text())
        # Every date on the lists reads English too: no German words, no 07.12.2026.
        german_dates, seen = {}, 0
        for path in PAGES.values():
            page.goto(path(network))
            for text in page.locator("main time").all_inner_texts():
                seen += 1
                if GERMAN_DATE_WORDS.search(text) or re.search(r"\d\d\.\d\d\.\d{4}", text):
                    german_dates.setdefault(page.url, []).append(text)
        assert not german_dates, german_dates
        assert seen >= 10, seen  # thread, chat, calendar, notifications, start page
        assert problems == []

        page = german.new_page()
        page.goto(f"/termine/{event.pk}/")
        # Signed up (above): withdrawing has its own words, "Abmelden" is the header's alone.
        expect(page.get_by_role("button", name="Anmeldung zurückziehen")).to_be_visible()
        expect(page.get_by_role("button", name="Abmelden", exact=True)).to_have_count(1)
        expect(page.locator("header").get_by_role("button", name="Abmelden")).to_have_count(1)
    finally:
        english.close()
        german.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_strikethrough_and_tables_show_and_plain_places_show_no_markdown(
    width,
    chromium,
    server,
    network,  # noqa: F811
):
    from forum import services as forum_services

    forum_services.post_create(
        author=network["expert"],
        thread=network["thread"],
        body=(
            "~~Papierakte~~ ist vorbei.\n\n"
            "| Amt | Stand seit dem Frühjahr 2024 | Ansprechperson im Haus |\n"
            "|:--|:-:|--:|\n"
            "| Bauamt | vollständig elektronisch | Erika Expertin, Digitallotsin |"
        ),
    )
    context = new_context(chromium, server, network["member"])
    context.add_init_script(path=str(AXE_SCRIPT))  # axe-core under the page's own CSP
    try:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 844})
        problems = watch(page)
        page.goto(f"/forum/thema/{network['thread'].pk}/")
        post = page.locator("article").filter(has_text="ist vorbei")
        expect(post.locator("del")).to_have_text("Papierakte")
        table = post.get_by_role("table")
        expect(table.get_by_role("columnheader", name="Amt")).to_be_visible()
        expect(table.get_by_role("cell", name="Bauamt")).to_be_visible()
        assert "~~" not in post.inner_text() and "|" not in post.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
        violations = blocking(axe_violations(page, AXE_SCRIPT))
        assert not violations, describe(violations)

        # Snippets are plain text: "Wer hat schon **umgestellt**?" (the first post).
        page.goto("/suche/?q=umgestellt")
        main = page.locator("main")
        expect(main).to_contain_text("umgestellt")
        assert "**" not in main.inner_text(), main.inner_text()
        page.goto("/forum/suche/?q=Papierakte")
        expect(page.locator("main")).to_contain_text("Papierakte")
        assert "~~" not in page.locator("main").inner_text()
        assert problems == []
    finally:
        context.close()


def test_the_profile_page_leads_to_editing_the_expertise(
    chromium,
    server,
    network,  # noqa: F811
):
    context = new_context(chromium, server, network["member"])
    try:
        page = context.new_page()
        page.goto("/profil/")
        page.locator("main").get_by_role(
            "link", name=re.compile("Erfahrung|Fachgebiet")
        ).first.click()
        expect(page).to_have_url(re.compile(r"/profil/erfahrung/$"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    finally:
        context.close()
