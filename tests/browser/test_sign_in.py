"""A member signs in through the real page in Chromium and sees the dashboard."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_signs_in_and_sees_the_dashboard(page, member):
    page.goto("/")
    assert "/anmelden/" in page.url  # the closed network sends visitors to sign in
    page.get_by_label("E-Mail-Adresse").fill(member.email)
    page.get_by_label("Passwort", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Anna")
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    for section in ("Forum", "Chat", "Termine", "Menschen & Projekte"):
        expect(navigation.get_by_role("link", name=section)).to_be_visible()


def test_wrong_password_shows_a_reason_on_the_page(page, member):
    page.goto("/anmelden/")
    page.get_by_label("E-Mail-Adresse").fill(member.email)
    page.get_by_label("Passwort", exact=False).first.fill("falsch")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_contain_text("E-Mail-Adresse oder Passwort stimmen nicht")


def test_skip_link_is_the_first_stop_for_the_keyboard(page):
    page.goto("/impressum/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Zum Inhalt springen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
