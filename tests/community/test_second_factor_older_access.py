"""The first second factor ends what the password alone opened before it (issue 21):
API tokens issued without a factor and other browser sessions. Whoever stole the
password and minted a token earlier must not keep access once the member adds a factor."""

from types import SimpleNamespace

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.test import APIClient

from community import selectors, services
from community.models import ApiToken
from tests.community.second_factor_helpers import oathtool, with_authenticator
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def token_for(member, *, second_factor=False) -> str:
    return services.member_token(member=member, label="Dieb", second_factor=second_factor)


def answers(key: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get("/api/members/me/").status_code


def signed_in(client) -> bool:
    return client.get("/profil/").status_code == 200


def test_confirming_the_first_app_on_the_page_ends_older_tokens_and_other_sessions(
    client, member, clock
):
    thief_key = token_for(member)
    thief_browser = Client()
    thief_browser.force_login(member)
    client.force_login(member)
    client.get("/profil/zweiter-faktor/app/")
    pending = selectors.member_pending_totp(member=member)
    secret = services.totp_secret(pending)
    response = client.post("/profil/zweiter-faktor/app/", {"otp": oathtool(secret, clock.now)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 älterer Zugangsschlüssel wurde gesperrt" in html
    assert "1 andere Sitzung wurde beendet." in html
    assert answers(thief_key) == 401
    assert not ApiToken.objects.filter(user=member).exists()
    assert not signed_in(thief_browser)
    assert signed_in(client)  # the browser that added the factor stays


def test_confirming_over_the_api_keeps_the_token_in_use_and_ends_the_others(
    api_client, member, clock
):
    thief_key = token_for(member)
    browser = Client()
    browser.force_login(member)
    own_key = api_client.post(
        "/api/auth/token/", {"email": member.email, "password": PASSWORD}, format="json"
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {own_key}")
    secret = api_client.post("/api/members/me/totp/").json()["secret"]
    response = api_client.post(
        "/api/members/me/totp/confirm/", {"otp": oathtool(secret, clock.now)}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["revoked_tokens"] == 1 and body["ended_sessions"] == 1
    assert len(body["recovery_codes"]) == 10
    assert answers(thief_key) == 401
    assert answers(own_key) == 200
    assert not signed_in(browser)


def test_tokens_issued_with_a_factor_and_a_replaced_app_end_nothing(client, member, clock):
    with_authenticator(member, clock)
    with_factor = token_for(member, second_factor=True)
    browser = Client()
    browser.force_login(member)
    clock.advance()
    # A second, replacing app is no first factor: nothing ends.
    _device, new_secret = services.totp_begin(member=member)
    added = services.totp_confirm(member=member, otp=oathtool(new_secret, clock.now))
    assert (added.revoked_tokens, added.ended_sessions) == (0, 0)
    assert answers(with_factor) == 200
    assert signed_in(browser)


def test_a_failed_confirmation_ends_nothing(client, member, clock):
    thief_key = token_for(member)
    client.force_login(member)
    client.get("/profil/zweiter-faktor/app/")
    response = client.post("/profil/zweiter-faktor/app/", {"otp": "000000"})
    assert response.status_code == 400
    assert answers(thief_key) == 200


def test_the_first_passkey_ends_older_access_too(client, member, monkeypatch):
    thief_key = token_for(member)
    thief_browser = Client()
    thief_browser.force_login(member)
    verified = SimpleNamespace(credential_id=b"neu", credential_public_key=b"k", sign_count=0)
    monkeypatch.setattr(
        "community.services.second_factor.verify_registration_response", lambda **kw: verified
    )
    client.force_login(member)
    client.post("/profil/zweiter-faktor/passkeys/optionen/")
    response = client.post(
        "/profil/zweiter-faktor/passkeys/",
        {"credential": {"id": "neu"}, "name": "Laptop"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["revoked_tokens"] == 1 and len(body["recovery_codes"]) == 10
    assert "1 älterer Zugangsschlüssel wurde gesperrt" in body["notice"]
    assert "1 andere Sitzung wurde beendet." in body["notice"]
    assert answers(thief_key) == 401
    assert not signed_in(thief_browser)
    assert signed_in(client)


def test_older_sessions_of_other_members_stay(client, member, make_member, clock):
    other = make_member()
    other_browser = Client()
    other_browser.force_login(other)
    other_key = token_for(other)
    with_authenticator(member, clock)
    assert signed_in(other_browser)
    assert answers(other_key) == 200
    assert Session.objects.exists()
