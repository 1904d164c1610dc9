"""A second factor (issue 21): authenticator app, recovery codes, the sign-in's second
step, the API's token with ``otp``, and who must have one.

Codes come from Debian's oathtool, not from the library the server uses.
"""

import pytest
from django.test import Client

from community import services
from community.models import ApiToken, RecoveryCode, Role, TotpDevice
from privacy import services as privacy_services
from tests.community.second_factor_helpers import oathtool, with_authenticator
from tests.conftest import PASSWORD
from tests.queries import assert_constant_queries

SIGN_IN = "/anmelden/"
SECOND_STEP = "/anmelden/zweiter-faktor/"
MANAGE = "/profil/zweiter-faktor/"


def password_step(client, member, next_url=""):
    data = {"username": member.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(SIGN_IN, data)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


# --- the sign-in page -------------------------------------------------------------------
def test_the_password_alone_does_not_sign_in_an_account_with_a_second_factor(client, member, clock):
    with_authenticator(member, clock)
    response = password_step(client, member)
    assert response.status_code == 302
    assert response["Location"] == SECOND_STEP
    assert signed_in_as(client) is None
    assert client.get("/").status_code == 302  # still the closed door
    assert client.get(SECOND_STEP).status_code == 200


def test_a_code_from_oathtool_completes_the_sign_in(client, member, clock):
    secret, _codes = with_authenticator(member, clock)
    password_step(client, member, next_url="/profil/")
    response = client.post(SECOND_STEP, {"otp": clock.code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/profil/"
    assert signed_in_as(client) == str(member.pk)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_clock_skew_of_one_step_is_accepted_and_of_two_refused(
    client, member, clock, offset, accepted
):
    secret, _codes = with_authenticator(member, clock)
    clock.advance(3)  # well past the step used to confirm
    password_step(client, member)
    response = client.post(SECOND_STEP, {"otp": clock.code(secret, offset)})
    assert (signed_in_as(client) == str(member.pk)) is accepted
    if not accepted:
        assert response.status_code == 200
        assert "Der Code stimmt nicht." in response.content.decode()


def test_a_used_code_cannot_be_replayed_within_its_window(member, clock):
    secret, _codes = with_authenticator(member, clock)
    first, second = Client(), Client()
    code = clock.code(secret)
    password_step(first, member)
    first.post(SECOND_STEP, {"otp": code})
    assert signed_in_as(first) == str(member.pk)
    password_step(second, member)
    second.post(SECOND_STEP, {"otp": code})
    assert signed_in_as(second) is None
    # Nor an older step still inside the window.
    second.post(SECOND_STEP, {"otp": clock.code(secret, -1)})
    assert signed_in_as(second) is None
    clock.advance()
    second.post(SECOND_STEP, {"otp": clock.code(secret)})
    assert signed_in_as(second) == str(member.pk)


def test_a_recovery_code_works_once(member, clock):
    _secret, codes = with_authenticator(member, clock)
    assert len(codes) == 10 and len(set(codes)) == 10
    first, second = Client(), Client()
    password_step(first, member)
    first.post(SECOND_STEP, {"otp": codes[3].upper().replace("-", " ")})
    assert signed_in_as(first) == str(member.pk)
    password_step(second, member)
    second.post(SECOND_STEP, {"otp": codes[3]})
    assert signed_in_as(second) is None
    assert RecoveryCode.objects.filter(user=member, used_at__isnull=True).count() == 9


@pytest.mark.parametrize("otp", ["1" * 100, "abcdef", "", "12345", "12345a", "ä" * 12])
def test_a_malformed_code_gets_a_reason_not_an_error(client, member, clock, otp):
    with_authenticator(member, clock)
    password_step(client, member)
    response = client.post(SECOND_STEP, {"otp": otp})
    assert response.status_code == 200
    assert 'class="field-errors"' in response.content.decode()
    assert signed_in_as(client) is None


def test_wrong_codes_are_throttled_like_wrong_passwords_and_the_password_does_not_reset_them(
    client, member, clock, settings
):
    secret, _codes = with_authenticator(member, clock)
    password_step(client, member)
    for _i in range(settings.SIGNIN_FAILURES_PER_ACCOUNT - 2):
        client.post(SECOND_STEP, {"otp": "000000"})
    # Starting over with the (known) password must not clear the count.
    password_step(client, member)
    for _i in range(2):
        client.post(SECOND_STEP, {"otp": "000000"})
    response = client.post(SECOND_STEP, {"otp": clock.code(secret)})
    assert signed_in_as(client) is None
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()


def test_the_half_done_sign_in_expires(client, member, clock, settings):
    with_authenticator(member, clock)
    password_step(client, member)
    settings.SECOND_FACTOR_PENDING_SECONDS = -1
    password_step(client, member)
    response = client.get(SECOND_STEP)
    assert response.status_code == 302 and response["Location"] == SIGN_IN


def test_the_second_step_without_a_password_first_leads_back_to_the_sign_in(client):
    response = client.post(SECOND_STEP, {"otp": "123456"})
    assert response.status_code == 302 and response["Location"] == SIGN_IN


def test_the_admin_login_refuses_an_account_with_a_second_factor(client, make_member, clock):
    admin = make_member(role=Role.ADMIN)
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    with_authenticator(admin, clock)
    response = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 200
    assert signed_in_as(client) is None


# --- secrets at rest ----------------------------------------------------------------------
def test_neither_the_secret_nor_the_recovery_codes_are_stored_readably(member, clock):
    secret, codes = with_authenticator(member, clock)
    device = TotpDevice.objects.get(user=member)
    assert secret not in device.secret_encrypted
    hashes = set(RecoveryCode.objects.filter(user=member).values_list("code_hash", flat=True))
    assert not any(code in hashes or code.replace("-", "") in hashes for code in codes)
    assert services.totp_secret(device) == secret


# --- managing factors on the profile ----------------------------------------------------------
def test_setting_up_the_app_on_the_page_shows_qr_and_secret_then_the_recovery_codes(
    member_client, member, clock
):
    page = member_client.post("/profil/zweiter-faktor/app/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    secret = TotpDevice.objects.get(user=member, confirmed_at__isnull=True)
    secret = services.totp_secret(secret)
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    wrong = member_client.post("/profil/zweiter-faktor/app/", {"otp": "000000"})
    assert wrong.status_code == 400
    done = member_client.post("/profil/zweiter-faktor/app/", {"otp": clock.code(secret)})
    assert done.status_code == 200
    assert done.content.decode().count("<li><code>") == 10
    assert services.member_has_second_factor(member)


def test_removing_the_app_needs_the_password_or_a_current_code(member_client, member, clock):
    secret, _codes = with_authenticator(member, clock)
    member_client.post("/profil/zweiter-faktor/app/entfernen/", {})
    member_client.post("/profil/zweiter-faktor/app/entfernen/", {"password": "falsch"})
    assert services.member_has_second_factor(member)
    clock.advance()
    member_client.post("/profil/zweiter-faktor/app/entfernen/", {"otp": clock.code(secret)})
    assert not services.member_has_second_factor(member)
    assert not RecoveryCode.objects.filter(user=member).exists()


def test_another_member_cannot_remove_my_factors(client, member, make_member, clock):
    with_authenticator(member, clock)
    passkey = member.passkeys.create(credential_id="abc", public_key=b"x", name="Laptop")
    other = make_member()
    client.force_login(other)
    response = client.post(
        f"/profil/zweiter-faktor/passkeys/{passkey.pk}/entfernen/", {"password": PASSWORD}
    )
    assert response.status_code == 404
    client.post("/profil/zweiter-faktor/app/entfernen/", {"password": PASSWORD})
    assert member.passkeys.filter(pk=passkey.pk).exists()
    assert TotpDevice.objects.filter(user=member, confirmed_at__isnull=False).exists()


def test_the_page_lists_the_factors(member_client, member, clock, django_assert_max_num_queries):
    with_authenticator(member, clock)
    member.passkeys.create(credential_id="abc", public_key=b"x", name="Dienstlaptop")
    with django_assert_max_num_queries(12):
        response = member_client.get(MANAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dienstlaptop" in html and "Noch 10 unbenutzte Codes." in html


# --- the API ----------------------------------------------------------------------------------
def token_request(api_client, member, **extra):
    return api_client.post(
        "/api/auth/token/",
        {"email": member.email, "password": PASSWORD, **extra},
        format="json",
    )


def test_the_api_asks_for_the_code_and_marks_the_token(api_client, member, clock):
    secret, _codes = with_authenticator(member, clock)
    response = token_request(api_client, member)
    assert response.status_code == 401
    assert response.json()["code"] == "otp_required"
    response = token_request(api_client, member, otp="000000")
    assert response.status_code == 401
    assert response.json()["code"] == "otp_invalid"
    response = token_request(api_client, member, otp=clock.code(secret))
    assert response.status_code == 200
    key = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    tokens = api_client.get("/api/members/me/tokens/").json()["results"]
    assert tokens[0]["second_factor"] is True


def test_a_token_of_an_account_without_second_factor_is_not_marked(api_client, member):
    key = token_request(api_client, member).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/members/me/tokens/").json()["results"][0]["second_factor"] is False


def test_the_api_takes_a_recovery_code_once(api_client, member, clock):
    _secret, codes = with_authenticator(member, clock)
    assert token_request(api_client, member, otp=codes[0]).status_code == 200
    assert token_request(api_client, member, otp=codes[0]).status_code == 401


@pytest.mark.parametrize("otp", ["1" * 100, "abcdef", "", None, 123456, ["123456"]])
def test_bad_codes_at_the_token_endpoint_are_400_with_a_reason(api_client, member, clock, otp):
    with_authenticator(member, clock)
    response = token_request(api_client, member, otp=otp)
    assert response.status_code == 400, response.content
    assert "otp" in response.json()


def test_setting_up_the_app_over_the_api(api_client, member, clock):
    key = token_request(api_client, member).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    started = api_client.post("/api/members/me/totp/")
    assert started.status_code == 200
    body = started.json()
    assert body["otpauth_url"].startswith("otpauth://totp/")
    assert f"secret={body['secret']}" in body["otpauth_url"]
    for bad in ({}, {"otp": ""}, {"otp": "1" * 100}, {"otp": "abcdef"}, {"otp": None}):
        response = api_client.post("/api/members/me/totp/confirm/", bad, format="json")
        assert response.status_code == 400, (bad, response.content)
        assert "otp" in response.json()
    wrong = api_client.post("/api/members/me/totp/confirm/", {"otp": "000000"}, format="json")
    assert wrong.status_code == 400
    confirmed = api_client.post(
        "/api/members/me/totp/confirm/", {"otp": oathtool(body["secret"], clock.now)}, format="json"
    )
    assert confirmed.status_code == 200
    assert len(confirmed.json()["recovery_codes"]) == 10
    assert services.member_has_second_factor(member)


def test_confirming_without_a_started_setup_is_400(api_client, member):
    key = token_request(api_client, member).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.post("/api/members/me/totp/confirm/", {"otp": "123456"}, format="json")
    assert response.status_code == 400


def test_a_deactivated_member_can_use_neither_token_nor_recovery_code(api_client, member, clock):
    secret, codes = with_authenticator(member, clock)
    key = token_request(api_client, member, otp=clock.code(secret)).json()["token"]
    services.member_deactivate(member=member)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/members/me/").status_code == 401
    api_client.credentials()
    response = token_request(api_client, member, otp=codes[1])
    assert response.status_code in (401, 403)
    assert "token" not in response.json()
    browser = Client()
    password_step(browser, member)
    browser.post(SECOND_STEP, {"otp": codes[2]})
    assert signed_in_as(browser) is None


def test_the_new_endpoints_are_in_the_openapi_schema(member_client):
    schema = member_client.get("/api/schema/?format=json").json()
    assert "/api/members/me/totp/" in schema["paths"]
    assert "/api/members/me/totp/confirm/" in schema["paths"]
    token = schema["paths"]["/api/auth/token/"]["post"]
    assert "401" in token["responses"]
    assert ApiToken._meta.get_field("second_factor")


def test_erasing_the_account_removes_every_factor(member, clock):
    with_authenticator(member, clock)
    member.passkeys.create(credential_id="abc", public_key=b"x", name="Laptop")
    privacy_services.member_erase(member=member)
    assert not TotpDevice.objects.filter(user=member).exists()
    assert not RecoveryCode.objects.filter(user=member).exists()
    assert not member.passkeys.exists()


def test_the_factor_page_needs_the_same_queries_with_more_passkeys(
    member_client, member, clock, django_assert_num_queries
):
    with_authenticator(member, clock)
    member.passkeys.create(credential_id="a", public_key=b"x", name="Eins")

    def grow():
        for n in range(5):
            member.passkeys.create(credential_id=f"b{n}", public_key=b"x", name=f"Schlüssel {n}")

    assert_constant_queries(member_client, MANAGE, grow, django_assert_num_queries, status=200)


def test_the_token_list_needs_the_same_queries_with_more_tokens(
    api_client, member, clock, django_assert_num_queries
):
    secret, _codes = with_authenticator(member, clock)
    key = token_request(api_client, member, otp=clock.code(secret)).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    def grow():
        for _n in range(5):
            services.member_token(member=member, second_factor=True)

    response = assert_constant_queries(
        api_client, "/api/members/me/tokens/", grow, django_assert_num_queries, status=200
    )
    assert all(token["second_factor"] for token in response.json()["results"])


def test_a_key_issued_on_the_password_alone_cannot_replace_the_authenticator(
    api_client, member, clock
):
    old_key = token_request(api_client, member).json()["token"]  # before the factor
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    # The factor set up with this very key: the key stays (it is the current one).
    secret = api_client.post("/api/members/me/totp/").json()["secret"]
    confirmed = api_client.post(
        "/api/members/me/totp/confirm/", {"otp": oathtool(secret, clock.now)}, format="json"
    )
    assert confirmed.status_code == 200
    clock.advance()
    assert api_client.post("/api/members/me/totp/").status_code == 400
    assert not TotpDevice.objects.filter(user=member, confirmed_at__isnull=True).exists()
    api_client.credentials()
    new_key = token_request(api_client, member, otp=clock.code(secret)).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert api_client.post("/api/members/me/totp/").status_code == 200


def test_an_administrator_removes_the_factor_of_a_member_who_lost_it(
    client, member, make_member, clock
):
    with_authenticator(member, clock)
    admin = make_member(role=Role.ADMIN)
    admin.is_staff = True
    admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin)
    response = client.post(
        "/admin/community/user/",
        {"action": "second_factor_reset", "_selected_action": [member.pk]},
    )
    assert response.status_code == 302
    assert not services.member_has_second_factor(member)
    assert not RecoveryCode.objects.filter(user=member).exists()
