"""The sign-in through a municipality's identity provider, in Chromium: the whole flow
against the tests' real OpenID Connect provider, and its pages pass axe-core."""

import json

import pytest
from playwright.sync_api import expect

from community.models import User
from community.services import oidc as services
from tests.browser.a11y import axe_violations, blocking, describe, new_context
from tests.oidc_provider import oidc_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 320])
def test_failure_page_says_why_and_passes_axe(width, chromium, live_server, axe_script):
    context = new_context(chromium, live_server.url, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/anmelden/oidc/callback/?code=abc&state=def")
        expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung nicht möglich")
        expect(page.get_by_role("alert")).to_contain_text("nicht hier begonnen")
        page.get_by_role("link", name="Zurück zur Anmeldung").is_visible()
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, describe(violations)
    finally:
        context.close()


@pytest.fixture
def connected_to_a_real_provider(live_server, tmp_path, settings, municipality):
    """The municipality connected to the tests' OpenID Connect provider (tests/oidc)."""
    settings.SITE_URL = live_server.url  # the redirect URI registered at the provider
    accounts = tmp_path / "accounts.json"
    accounts.write_text(
        json.dumps({"neu@wetzlar.de": {"name": "Nele Neu", "email_verified": True}})
    )
    with oidc_provider(
        redirect_uri=f"{live_server.url}/anmelden/oidc/callback/",
        post_logout_redirect_uri=f"{live_server.url}/anmelden/",
        accounts_file=accounts,
    ) as issuer:
        services.oidc_provider_set(
            municipality=municipality,
            issuer=issuer,
            client_id="lotsennetz",
            client_secret="lotsennetz-secret",
            by=None,
        )
        yield issuer


def _through_the_provider(page, issuer: str, live_server_url: str, login: str) -> list[str]:
    """Answer the provider's own pages (sign-in, consent) until it sends the browser back."""
    seen = []
    for _step in range(5):
        if page.url.startswith(live_server_url):
            return seen
        assert page.url.startswith(issuer), page.url
        login_field = page.locator('input[name="login"]')
        if login_field.count():
            seen.append("login")
            login_field.fill(login)
            page.locator('input[name="password"]').fill("beliebig")
        else:
            seen.append("consent")
        page.locator('button[type="submit"]').first.click()
        page.wait_for_load_state()
    raise AssertionError(f"the provider never sent the browser back: {page.url}")


def test_an_address_of_a_connected_municipality_signs_in_at_its_provider_and_back(
    page, live_server, connected_to_a_real_provider
):
    issuer = connected_to_a_real_provider
    page.goto("/forum/")
    page.get_by_label("E-Mail-Adresse").fill("neu@wetzlar.de")
    page.get_by_role("button", name="Weiter").click()
    page.wait_for_url(f"{issuer}/**")  # no password step here: the provider asks
    expect(page.locator('input[name="login"]')).to_have_value("neu@wetzlar.de")  # login_hint
    assert "login" in _through_the_provider(page, issuer, live_server.url, "neu@wetzlar.de")
    page.wait_for_url("**/forum/")
    member = User.objects.get(email="neu@wetzlar.de")
    assert member.display_name == "Nele Neu" and member.oidc_identity is not None
    expect(page.get_by_role("button", name="Abmelden").first).to_be_visible()

    # Signing out here ends the session at the provider too (RP-initiated logout).
    page.get_by_role("button", name="Abmelden").first.click()
    page.wait_for_url(f"{issuer}/**")
    page.locator('button[name="logout"][value="yes"]').click()
    page.wait_for_url("**/anmelden/")
    expect(page.get_by_role("button", name="Weiter")).to_be_visible()
    # The next sign-in asks at the provider again: its session is gone.
    page.get_by_label("E-Mail-Adresse").fill("neu@wetzlar.de")
    page.get_by_role("button", name="Weiter").click()
    page.wait_for_url(f"{issuer}/**")
    expect(page.locator('input[name="login"]')).to_be_visible()
