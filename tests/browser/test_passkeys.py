"""A member adds a passkey and signs in with it, in Chromium with its virtual
authenticator (DevTools protocol, WebAuthn domain) standing in for a security key.

WebAuthn needs a secure context: the live server is http://localhost, which is one,
and the passkey is bound to the RP ID ``localhost``.
"""

import pytest
from playwright.sync_api import expect

from community.models import ApiToken, Passkey
from tests.conftest import PASSWORD

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
    page.goto("/anmelden/")
    page.get_by_label("E-Mail-Adresse").fill(member.email)
    page.get_by_label("Passwort", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


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
