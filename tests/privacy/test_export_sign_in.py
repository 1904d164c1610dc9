"""The data export names how the member signs in: second factors, recovery codes (when
made and used) and sign-ins through the municipality's provider. Never a secret."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import services
from community.models import OidcIdentity, RecoveryCode, TotpDevice
from privacy import export as privacy
from tests.community.second_factor_helpers import with_authenticator

pytestmark = pytest.mark.django_db

ISSUER = "https://id.wetzlar.de/realms/opendesk"


def connect(municipality, member):
    provider = services.oidc_provider_set(
        municipality=municipality,
        issuer=ISSUER,
        client_id="lotsennetz",
        client_secret="client-geheimnis",
        by=None,
    )
    claims = {"sub": "anna-4711", "email": member.email}
    services.oidc_link(member=member, provider=provider, claims=claims)
    return provider


def exported(member) -> tuple[dict, str]:
    data = privacy.member_export(member=member)
    raw = privacy.export_json(data)
    return json.loads(raw), raw


def test_the_export_lists_factors_and_provider_sign_ins(member, municipality, clock):
    _secret, codes = with_authenticator(member, clock)
    member.passkeys.create(credential_id="cred-xyz", public_key=b"oeffentlich", name="Laptop")
    services.second_factor_code_use(member=member, otp=codes[0])
    connect(municipality, member)
    data, _raw = exported(member)
    kinds = [(f["kind"], f["name"]) for f in data["second_factors"]]
    assert kinds == [("totp", "Authenticator-App"), ("passkey", "Laptop")]
    for factor in data["second_factors"]:
        assert set(factor) == {"kind", "id", "name", "created_at", "last_used_at"}
        assert factor["created_at"]
    assert len(data["recovery_codes"]) == 10
    assert [set(c) for c in data["recovery_codes"]] == [{"created_at", "used_at"}] * 10
    assert sum(1 for c in data["recovery_codes"] if c["used_at"]) == 1
    identity = data["oidc_identities"]
    assert len(identity) == 1
    assert identity[0]["issuer"] == ISSUER and identity[0]["subject"] == "anna-4711"
    assert identity[0]["municipality"] == "Wetzlar"


def test_the_export_holds_no_secret_of_any_factor_or_provider(member, municipality, clock):
    secret, codes = with_authenticator(member, clock)
    member.passkeys.create(credential_id="cred-xyz", public_key=b"oeffentlich", name="Laptop")
    provider = connect(municipality, member)
    _data, raw = exported(member)
    device = TotpDevice.objects.get(user=member)
    leaks = [
        secret,
        device.secret_encrypted,
        "cred-xyz",
        "oeffentlich",
        "client-geheimnis",
        provider.client_secret_sealed,
        *codes,
        *RecoveryCode.objects.filter(user=member).values_list("code_hash", flat=True),
    ]
    for leak in leaks:
        assert leak not in raw


def test_the_export_of_a_member_without_factors_has_empty_lists(member):
    data, _raw = exported(member)
    assert data["second_factors"] == []
    assert data["recovery_codes"] == []
    assert data["oidc_identities"] == []


def test_another_members_factors_and_identity_are_not_in_my_export(
    member, make_member, municipality, clock
):
    other = make_member(municipality=municipality, email="otto@wetzlar.de")
    with_authenticator(other, clock)
    other.passkeys.create(credential_id="other", public_key=b"x", name="Ottos Handy")
    connect(municipality, other)
    data, raw = exported(member)
    assert data["second_factors"] == [] and data["oidc_identities"] == []
    assert "Ottos Handy" not in raw and "anna-4711" not in raw
    assert OidcIdentity.objects.filter(member=other).exists()


def test_the_export_runs_the_same_queries_with_more_factors(member, municipality, clock):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            privacy.member_export(member=member)
        return len(queries)

    with_authenticator(member, clock)
    before = count()
    for n in range(3):
        member.passkeys.create(credential_id=f"c{n}", public_key=b"x", name=f"Schlüssel {n}")
    connect(municipality, member)
    assert count() == before


def test_the_api_export_has_the_factors_too(api_client, member, clock):
    with_authenticator(member, clock)
    api_client.force_authenticate(member)
    response = api_client.get("/api/members/me/export/")
    assert response.status_code == 200
    assert [f["kind"] for f in response.json()["second_factors"]] == ["totp"]
