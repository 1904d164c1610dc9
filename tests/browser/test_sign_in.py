"""A member signs in through the real page in Chromium and sees the dashboard.

The page asks for the address first (issue 21), then for the password; it works
without JavaScript, by keyboard alone, and says nothing about whether an account exists.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import new_context
from tests.browser.conftest import sign_in_by_form
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_signs_in_and_sees_the_dashboard(page, member):
    page.goto("/")
    assert "/anmelden/" in page.url  # the closed network sends visitors to sign in
    expect(page.get_by_label("Passwort")).to_have_count(0)  # the address comes first
    sign_in_by_form(page, member.email, path=None)
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Anna")
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    for section in ("Forum", "Chat", "Termine", "Menschen & Projekte"):
        expect(navigation.get_by_role("link", name=section)).to_be_visible()


def test_wrong_password_shows_a_reason_on_the_page(page, member):
    sign_in_by_form(page, member.email, "falsch")
    expect(page.get_by_role("alert")).to_contain_text("E-Mail-Adresse oder Passwort stimmen nicht")
    # Still the second step: the address kept, the password field focused and empty.
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value(member.email)
    expect(page.get_by_label("Passwort")).to_be_focused()
    expect(page.get_by_label("Passwort")).to_have_value("")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Anna")


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_sign_in_by_keyboard_alone(javascript, chromium, live_server, member):
    context = new_context(chromium, live_server.url, java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto("/anmelden/")
        expect(page.get_by_label("E-Mail-Adresse")).to_be_focused()
        page.keyboard.type(member.email)
        page.keyboard.press("Enter")
        expect(page.get_by_label("Passwort")).to_be_focused()
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Anna")
    finally:
        context.close()


def _second_step_text(page, email: str) -> str:
    text = page.locator("main").inner_text().replace(email, "ADDRESS")
    return text + page.get_by_label("E-Mail-Adresse").input_value().replace(email, "ADDRESS")


def test_an_unknown_address_gets_the_same_second_step_and_the_same_reason(page, member):
    seen = {}
    for email in (member.email, "niemand@wetzlar.de"):
        page.goto("/anmelden/")
        page.get_by_label("E-Mail-Adresse").fill(email)
        page.get_by_role("button", name="Weiter").click()
        expect(page.get_by_label("Passwort")).to_be_focused()
        first = _second_step_text(page, email)
        page.get_by_label("Passwort").fill("falsch")
        page.get_by_role("button", name="Anmelden").click()
        expect(page.get_by_role("alert")).to_be_visible()
        seen[email] = (first, _second_step_text(page, email))
    assert seen[member.email] == seen["niemand@wetzlar.de"]


def test_other_address_goes_back_to_the_first_step_and_keeps_the_destination(page, member):
    page.goto("/forum/")
    page.get_by_label("E-Mail-Adresse").fill("vertippt@wetzlar.de")
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value("vertippt@wetzlar.de")
    page.get_by_role("link", name="Andere Adresse").click()
    expect(page.get_by_label("Passwort")).to_have_count(0)
    expect(page.get_by_label("E-Mail-Adresse")).to_be_focused()
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value("")
    sign_in_by_form(page, member.email, path=None)
    page.wait_for_url("**/forum/")


def test_skip_link_is_the_first_stop_for_the_keyboard(page):
    page.goto("/impressum/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Zum Inhalt springen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
