"""Listing and removing second factors over the API, as on the profile page: removal
needs the password or a current code, and the last factor of a role that requires
one stays (issue 21)."""

import pytest
from rest_framework.test import APIClient

from community import services
from community.models import Passkey, RecoveryCode, Role, TotpDevice
from tests.community.second_factor_helpers import with_authenticator
from tests.conftest import PASSWORD
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

FACTORS = "/api/members/me/factors/"
TOTP = "/api/members/me/totp/"


def passkey_url(passkey) -> str:
    return f"/api/members/me/passkeys/{passkey.pk}/"


def client_with_token(member, *, second_factor=True) -> APIClient:
    api = APIClient()
    key = services.member_token(member=member, second_factor=second_factor)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def add_passkey(member, name="Dienstlaptop", credential_id=None) -> Passkey:
    return member.passkeys.create(
        credential_id=credential_id or f"cred-{name}", public_key=b"geheim-pk", name=name
    )


def test_the_list_names_kind_name_and_dates_never_a_secret(member, clock):
    secret, codes = with_authenticator(member, clock)
    passkey = add_passkey(member)
    response = client_with_token(member).get(FACTORS)
    assert response.status_code == 200
    body = response.json()
    assert body["required"] is False
    assert body["recovery_codes_left"] == 10
    kinds = [(f["kind"], f["id"]) for f in body["factors"]]
    assert kinds == [("totp", None), ("passkey", passkey.pk)]
    for factor in body["factors"]:
        assert set(factor) == {"kind", "id", "name", "created_at", "last_used_at"}
    assert body["factors"][0]["last_used_at"] is not None  # the confirming code's step
    raw = response.content.decode()
    device = TotpDevice.objects.get(user=member)
    for leak in (secret, device.secret_encrypted, "geheim-pk", codes[0], "cred-Dienstlaptop"):
        assert leak not in raw
    for code in RecoveryCode.objects.filter(user=member):
        assert code.code_hash not in raw


def test_the_list_shows_only_my_own_factors(member, make_member, clock):
    with_authenticator(member, clock)
    add_passkey(member)
    other = make_member()
    body = client_with_token(other).get(FACTORS).json()
    assert body["factors"] == [] and body["recovery_codes_left"] == 0


def test_the_list_needs_authentication():
    assert APIClient().get(FACTORS).status_code in (401, 403)


def test_the_list_needs_the_same_queries_with_more_passkeys(
    member, clock, django_assert_num_queries
):
    with_authenticator(member, clock)
    add_passkey(member, "Eins")
    api = client_with_token(member)

    def grow():
        for n in range(4):
            add_passkey(member, f"Mehr {n}")

    response = assert_constant_queries(api, FACTORS, grow, django_assert_num_queries, status=200)
    assert len(response.json()["factors"]) == 6


def test_removing_the_app_needs_the_password_or_a_current_code(member, clock):
    _secret, _codes = with_authenticator(member, clock)
    api = client_with_token(member)
    response = api.delete(TOTP, {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "confirmation_required"
    response = api.delete(TOTP, {"password": "falsch"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "password_incorrect"
    response = api.delete(TOTP, {"otp": "000000"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "otp_invalid"
    response = api.delete(TOTP, {"otp": "12"}, format="json")
    assert response.status_code == 400
    assert services.member_has_second_factor(member)
    assert api.delete(TOTP, {"password": PASSWORD}, format="json").status_code == 204
    assert not services.member_has_second_factor(member)
    assert not RecoveryCode.objects.filter(user=member).exists()
    assert api.delete(TOTP, {"password": PASSWORD}, format="json").status_code == 404


def test_removing_the_app_with_a_current_code(member, clock):
    secret, _codes = with_authenticator(member, clock)
    clock.advance()
    response = client_with_token(member).delete(TOTP, {"otp": clock.code(secret)}, format="json")
    assert response.status_code == 204
    assert not TotpDevice.objects.filter(user=member).exists()


def test_a_token_issued_without_a_factor_confirms_only_with_a_code(member, clock):
    api = client_with_token(member, second_factor=False)  # before the factor: the one kept
    _device, secret = services.totp_begin(member=member)
    services.totp_confirm(
        member=member, otp=clock.code(secret, -1), except_token=api_token_of(member)
    )
    response = api.delete(TOTP, {"password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "otp_required"
    assert services.member_has_second_factor(member)
    assert api.delete(TOTP, {"otp": clock.code(secret)}, format="json").status_code == 204


def api_token_of(member):
    return member.api_tokens.get()


def test_wrong_passwords_here_are_throttled_like_at_the_sign_in(member, clock, settings):
    with_authenticator(member, clock)
    api = client_with_token(member)
    statuses = [
        api.delete(TOTP, {"password": f"falsch{n}"}, format="json").status_code for n in range(8)
    ]
    assert statuses[0] == 400 and statuses[-1] == 429
    assert api.delete(TOTP, {"password": PASSWORD}, format="json").status_code == 429
    assert services.member_has_second_factor(member)


def test_removing_a_passkey_over_the_api(member, clock):
    with_authenticator(member, clock)
    passkey = add_passkey(member)
    api = client_with_token(member)
    assert api.delete(passkey_url(passkey), {}, format="json").status_code == 400
    response = api.delete(passkey_url(passkey), {"password": PASSWORD}, format="json")
    assert response.status_code == 204
    assert not Passkey.objects.filter(pk=passkey.pk).exists()


def test_another_members_passkey_is_missing(member, make_member):
    passkey = add_passkey(member)
    other = make_member()
    api = client_with_token(other)
    response = api.delete(passkey_url(passkey), {"password": PASSWORD}, format="json")
    assert response.status_code == 404
    assert api.delete("/api/members/me/passkeys/999999/", {}, format="json").status_code == 404
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_a_deactivated_member_removes_nothing(member, clock):
    with_authenticator(member, clock)
    api = client_with_token(member)
    services.member_deactivate(member=member)
    assert api.delete(TOTP, {"password": PASSWORD}, format="json").status_code == 401
    assert TotpDevice.objects.filter(user=member).exists()


@pytest.fixture
def roles_require(settings):
    settings.SECOND_FACTOR_REQUIRED_FOR = "roles"


def test_a_coordinator_cannot_remove_the_last_factor(coordinator, clock, roles_require):
    with_authenticator(coordinator, clock)
    api = client_with_token(coordinator)
    assert api.get(FACTORS).json()["required"] is True
    response = api.delete(TOTP, {"password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "last_factor_required"
    assert services.member_has_second_factor(coordinator)
    # With a passkey as well, the app may go; then the passkey is the last one.
    passkey = add_passkey(coordinator)
    assert api.delete(TOTP, {"password": PASSWORD}, format="json").status_code == 204
    response = api.delete(passkey_url(passkey), {"password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "last_factor_required"
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_the_page_refuses_removing_the_last_factor_too(client, coordinator, clock, roles_require):
    with_authenticator(coordinator, clock)
    passkey = add_passkey(coordinator)
    client.force_login(coordinator)
    response = client.post("/profil/zweiter-faktor/app/entfernen/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=coordinator).exists()
    response = client.post(
        f"/profil/zweiter-faktor/passkeys/{passkey.pk}/entfernen/",
        {"password": PASSWORD},
        follow=True,
    )
    assert "Ihre Rolle verlangt einen zweiten Faktor" in response.content.decode()
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_a_plain_member_may_remove_the_last_factor(member, clock, roles_require):
    with_authenticator(member, clock)
    api = client_with_token(member)
    assert api.delete(TOTP, {"password": PASSWORD}, format="json").status_code == 204


def test_an_administrator_still_resets_a_coordinators_factors(coordinator, clock, roles_require):
    with_authenticator(coordinator, clock)
    services.second_factor_reset(member=coordinator)
    assert not services.member_has_second_factor(coordinator)
    assert coordinator.role == Role.COORDINATOR


def test_the_new_endpoints_are_in_the_openapi_schema(member_client):
    schema = member_client.get("/api/schema/", {"format": "json"}).json()
    assert "delete" in schema["paths"]["/api/members/me/totp/"]
    assert "get" in schema["paths"]["/api/members/me/factors/"]
    assert "delete" in schema["paths"]["/api/members/me/passkeys/{id}/"]
