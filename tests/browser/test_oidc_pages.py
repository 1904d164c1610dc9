"""The pages of the sign-in through a municipality's identity provider pass axe-core."""

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import axe_violations, blocking, describe, new_context

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
