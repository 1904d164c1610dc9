"""A member adds a passkey and signs in with it, in Chromium with its virtual
authenticator (DevTools protocol, WebAuthn domain) standing in for a security key.

WebAuthn needs a secure context: the live server is http://localhost, which is one,
and the passkey is bound to the RP ID ``localhost``.
"""

import pytest
from playwright.sync_api import expect

from community.models import ApiToken, Passkey
from tests.browser.a11y import axe_violations, blocking, describe, new_context
from tests.browser.conftest import sign_in_by_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def sign_in_with_password(page, member):
    sign_in_by_form(page, member.email)


def test_a_member_adds_a_passkey_and_signs_in_with_it(page, member, authenticator, live_server):
    assert live_server.url.startswith("http://localhost")
    cdp, authenticator_id = authenticator
    sign_in_with_password(page, member)
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Anna")

    page.goto("/profil/zweiter-faktor/")
    page.get_by_label("Bezeichnung des neuen Passkeys").fill("Dienstlaptop")
    page.get_by_role("button", name="Passkey hinzufügen").click()
    codes = page.locator(".passkey-codes .recovery-codes li")
    expect(codes).to_have_count(10)
    expect(page.get_by_role("status").filter(has_text="gespeichert")).to_be_visible()
    passkey = Passkey.objects.get(user=member)
    assert passkey.name == "Dienstlaptop"
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1

    page.reload()
    expect(page.get_by_text("Dienstlaptop", exact=True)).to_be_visible()
    page.get_by_role("button", name="Abmelden").first.click()

    sign_in_with_password(page, member)
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden: zweiter Faktor")
    page.get_by_role("button", name="Mit Passkey anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Anna")
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert not ApiToken.objects.filter(user=member).exists()


def test_without_the_authenticator_a_recovery_code_from_the_set_up_signs_in(
    page, member, authenticator
):
    cdp, authenticator_id = authenticator
    sign_in_with_password(page, member)
    page.goto("/profil/zweiter-faktor/")
    page.get_by_role("button", name="Passkey hinzufügen").click()
    expect(page.locator(".passkey-codes .recovery-codes li")).to_have_count(10)
    first_code = page.locator(".passkey-codes .recovery-codes li").first.inner_text()
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator_id})
    page.get_by_role("button", name="Abmelden").first.click()

    sign_in_with_password(page, member)
    page.get_by_role("textbox", name="Code").fill(first_code)
    page.get_by_role("button", name="Bestätigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Anna")


def test_the_second_factor_pages_have_no_serious_accessibility_violation(
    chromium, live_server, member, axe_script
):
    """The factor page (with a passkey and an app), the app's set-up with its QR code,
    the recovery codes and the sign-in's second step, at 1280 and at 320 pixels."""
    member.passkeys.create(credential_id="a11y", public_key=b"-", name="Dienstlaptop")
    context = new_context(chromium, live_server.url, member, bypass_csp=True)
    try:
        page = context.new_page()
        checked = []
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto("/profil/zweiter-faktor/")
            checked.append(("factors", blocking(axe_violations(page, axe_script))))
            page.get_by_role("button", name="Authenticator-App einrichten").click()
            expect(page.locator(".totp-qr svg")).to_be_visible()
            checked.append(("app set-up", blocking(axe_violations(page, axe_script))))
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        anonymous = new_context(chromium, live_server.url, bypass_csp=True)
        try:
            step = anonymous.new_page()
            sign_in_by_form(step, member.email)
            expect(step.get_by_role("heading", level=1)).to_have_text("Anmelden: zweiter Faktor")
            checked.append(("second step", blocking(axe_violations(step, axe_script))))
            step.get_by_role("textbox", name="Code").fill("123")
            step.get_by_role("button", name="Bestätigen").click()
            checked.append(("second step, error", blocking(axe_violations(step, axe_script))))
        finally:
            anonymous.close()
        wrong = [f"{name}:\n{describe(v)}" for name, v in checked if v]
        assert not wrong, "\n".join(wrong)
    finally:
        context.close()
