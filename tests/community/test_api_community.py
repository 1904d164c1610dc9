"""The community API as the contract (docs/api.md) describes it."""

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from community import services
from community.models import Municipality, Role, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


# --- tokens -------------------------------------------------------------------
def test_token_is_issued_for_email_and_password_and_authenticates(api_client, member):
    response = api_client.post(
        "/api/auth/token/", {"email": member.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/members/me/")
    assert me.status_code == 200
    assert me.json()["email"] == member.email


def test_token_request_with_a_wrong_password_is_refused_with_a_reason(api_client, member):
    response = api_client.post(
        "/api/auth/token/", {"email": member.email, "password": "nope"}, format="json"
    )
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "x"},
        {"email": "a@b.de"},
        {"email": ["a@b.de"], "password": "x"},
        {"email": "a@b.de", "password": None},
    ],
)
def test_token_request_with_bad_input_names_the_field(api_client, body, db):
    response = api_client.post("/api/auth/token/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) & {"email", "password"}


def test_token_request_with_malformed_json_is_a_400(api_client, db):
    response = api_client.post("/api/auth/token/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=2)
def test_token_endpoint_shares_the_sign_in_throttle(api_client, member):
    for _ in range(2):
        api_client.post(
            "/api/auth/token/", {"email": member.email, "password": "nope"}, format="json"
        )
    response = api_client.post(
        "/api/auth/token/", {"email": member.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429


def test_invalid_token_gets_401(api_client, member):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api_client.get("/api/members/me/").status_code == 401


# --- municipalities -----------------------------------------------------------
def test_members_list_municipalities_with_their_domains(member_api, municipality):
    response = member_api.get("/api/municipalities/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    wetzlar = body["results"][0]
    assert wetzlar["slug"] == "wetzlar"
    assert wetzlar["state"] == "HE"
    assert wetzlar["email_domains"] == ["wetzlar.de"]
    assert wetzlar["population"] == 53000


def test_municipality_list_runs_a_fixed_number_of_queries(
    member_api, member, make_municipality, django_assert_num_queries
):
    for n in range(3):
        make_municipality(domains=[f"a{n}.de", f"b{n}.de"])
    with CaptureQueriesContext(connection) as few:
        assert member_api.get("/api/municipalities/").status_code == 200
    for n in range(3, 12):
        make_municipality(domains=[f"a{n}.de", f"b{n}.de"])
    with django_assert_num_queries(len(few.captured_queries)):
        response = member_api.get("/api/municipalities/?page_size=100")
    assert response.status_code == 200
    assert response.json()["count"] == 13


def test_only_admins_create_municipalities(member_api, api_client, admin_member):
    payload = {
        "name": "Gießen",
        "state": "HE",
        "population": 92000,
        "email_domains": ["giessen.de"],
    }
    assert member_api.post("/api/municipalities/", payload, format="json").status_code == 403
    api_client.force_authenticate(admin_member)
    response = api_client.post("/api/municipalities/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "giessen"
    assert Municipality.objects.get(slug="giessen").email_domains.get().domain == "giessen.de"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "state": "XX"}, "state"),
        ({"name": "X", "state": "HE", "ags": "1234"}, "ags"),
        ({"name": "X", "state": "HE", "ags": "12a45678"}, "ags"),
        ({"name": "X", "state": "HE", "population": -5}, "population"),
        ({"name": "X", "state": "HE", "email_domains": ["not a domain"]}, "email_domains"),
        ({"name": "X", "state": "HE", "email_domains": ["wetzlar.de"]}, "email_domains"),
        ({"state": "HE"}, "name"),
    ],
)
def test_bad_municipality_input_names_the_field_and_stores_nothing(
    api_client, admin_member, municipality, payload, field
):
    api_client.force_authenticate(admin_member)
    before = Municipality.objects.count()
    response = api_client.post("/api/municipalities/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Municipality.objects.count() == before


def test_admin_updates_a_municipality_by_slug(api_client, admin_member, municipality):
    api_client.force_authenticate(admin_member)
    response = api_client.patch(
        f"/api/municipalities/{municipality.slug}/",
        {"ags": "06532023", "email_domains": ["wetzlar.de", "stadt-wetzlar.de"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert sorted(response.json()["email_domains"]) == ["stadt-wetzlar.de", "wetzlar.de"]


# --- members ------------------------------------------------------------------
def test_me_shows_and_updates_the_own_profile(member_api, member):
    response = member_api.patch(
        "/api/members/me/",
        {"department": "Hauptamt", "bio": "Ich führe die *E-Akte* ein.", "role": "admin"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["department"] == "Hauptamt"
    assert body["bio_html"] == "<p>Ich führe die <em>E-Akte</em> ein.</p>"
    assert body["role"] == "member"  # read-only: nobody promotes themselves
    member.refresh_from_db()
    assert member.role == Role.MEMBER


def test_me_refuses_an_overlong_bio_and_keeps_the_old_one(member_api, member):
    response = member_api.patch("/api/members/me/", {"bio": "x" * 5001}, format="json")
    assert response.status_code == 400
    assert "bio" in response.json()


def test_member_list_is_paginated_and_filtered(member_api, member, make_member, make_municipality):
    marburg = make_municipality(name="Marburg", domains=["marburg.de"], state="HE")
    offenburg = make_municipality(name="Offenburg", domains=["offenburg.de"], state="BW")
    make_member(municipality=marburg, display_name="Marie Marburg")
    make_member(municipality=offenburg, display_name="Otto Offenburg")
    body = member_api.get("/api/members/?page_size=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]
    names = [m["display_name"] for m in member_api.get("/api/members/?state=BW").json()["results"]]
    assert names == ["Otto Offenburg"]
    names = [
        m["display_name"]
        for m in member_api.get("/api/members/?municipality=marburg").json()["results"]
    ]
    assert names == ["Marie Marburg"]
    assert "email" not in body["results"][0]  # addresses are not listed


def test_member_list_page_size_is_capped_at_100(member_api):
    response = member_api.get("/api/members/?page_size=5000")
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["?state=XX", "?q=" + "x" * 201])
def test_member_list_with_bad_filters_is_a_400(member_api, query):
    response = member_api.get("/api/members/" + query)
    assert response.status_code == 400


def test_member_list_runs_a_fixed_number_of_queries(
    member_api, make_member, django_assert_num_queries
):
    for _ in range(3):
        make_member()
    member_api.get("/api/members/")  # fills the search's cached taxonomy, as any request did
    with CaptureQueriesContext(connection) as few:
        assert member_api.get("/api/members/").status_code == 200
    # The directory by name (counted in the same query), the page's members with their fields.
    assert len(few.captured_queries) == 2
    for _ in range(20):
        make_member()
    with django_assert_num_queries(len(few.captured_queries)):
        response = member_api.get("/api/members/?page_size=100")
    assert response.status_code == 200
    assert response.json()["count"] == 24  # the signed-in member and 23 more


def test_coordinator_creates_a_member_of_the_own_municipality_by_invitation(
    api_client, coordinator, municipality, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/members/",
            {"email": "neu@wetzlar.de", "display_name": "Neu", "municipality": "wetzlar"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert response.json()["municipality"] == "wetzlar"
    assert len(mail.outbox) == 1
    assert not User.objects.get(email="neu@wetzlar.de").has_usable_password()


def test_admin_creates_a_member_with_a_password_and_no_mail(api_client, admin_member, municipality):
    api_client.force_authenticate(admin_member)
    response = api_client.post(
        "/api/members/",
        {
            "email": "direkt@wetzlar.de",
            "display_name": "Direkt",
            "municipality": "wetzlar",
            "password": PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 201
    assert len(mail.outbox) == 0
    assert User.objects.get(email="direkt@wetzlar.de").check_password(PASSWORD)


def test_coordinator_cannot_create_members_elsewhere_and_members_not_at_all(
    api_client, coordinator, member, make_municipality
):
    make_municipality(name="Fulda", domains=["fulda.de"])
    api_client.force_authenticate(coordinator)
    response = api_client.post(
        "/api/members/",
        {"email": "a@fulda.de", "display_name": "A", "municipality": "fulda"},
        format="json",
    )
    assert response.status_code == 403
    api_client.force_authenticate(member)
    response = api_client.post(
        "/api/members/",
        {"email": "b@wetzlar.de", "display_name": "B", "municipality": "wetzlar"},
        format="json",
    )
    assert response.status_code == 403
    assert not User.objects.filter(email__in=["a@fulda.de", "b@wetzlar.de"]).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "kaputt", "display_name": "X", "municipality": "wetzlar"}, "email"),
        ({"email": "x@wetzlar.de", "display_name": "", "municipality": "wetzlar"}, "display_name"),
        (
            {"email": "x@wetzlar.de", "display_name": "X", "municipality": "nirgendwo"},
            "municipality",
        ),
        (
            {
                "email": "x@wetzlar.de",
                "display_name": "X",
                "municipality": "wetzlar",
                "password": "123",
            },
            "non_field_errors",
        ),
        (
            {"email": "anna.schmidt@wetzlar.de", "display_name": "X", "municipality": "wetzlar"},
            "email",
        ),
        (
            {
                "email": "x@wetzlar.de",
                "display_name": "X",
                "municipality": "wetzlar",
                "role": "admin",
            },
            "role",
        ),
    ],
)
def test_bad_member_input_names_the_field_and_stores_nothing(
    api_client, admin_member, member, payload, field
):
    api_client.force_authenticate(admin_member)
    before = User.objects.count()
    response = api_client.post("/api/members/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert User.objects.count() == before


def test_member_detail_by_id_and_unknown_ids_look_the_same(member_api, member):
    assert member_api.get(f"/api/members/{member.pk}/").json()["display_name"] == "Anna Schmidt"
    for pk in (999999, "abc"):
        response = member_api.get(f"/api/members/{pk}/")
        assert response.status_code == 404
        assert "detail" in response.json()


def test_only_admins_change_or_deactivate_other_members(
    api_client, member, admin_member, make_member
):
    other = make_member()
    api_client.force_authenticate(member)
    assert (
        api_client.patch(f"/api/members/{other.pk}/", {"role": "admin"}, format="json").status_code
        == 403
    )
    assert api_client.delete(f"/api/members/{other.pk}/").status_code == 403
    api_client.force_authenticate(admin_member)
    response = api_client.patch(f"/api/members/{other.pk}/", {"role": "moderator"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "moderator"
    services.member_token(member=other)
    assert api_client.delete(f"/api/members/{other.pk}/").status_code == 204
    other.refresh_from_db()
    assert not other.is_active
    assert not other.auth_token_exists if hasattr(other, "auth_token_exists") else True
    assert api_client.get(f"/api/members/{other.pk}/").status_code == 404  # gone from the network


def test_deactivated_members_token_stops_working(api_client, member, admin_member):
    token = services.member_token(member=member)
    services.member_deactivate(member=member)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/members/me/").status_code == 401


def test_unknown_api_url_is_a_json_404(member_api):
    response = member_api.get("/api/gibt-es-nicht/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden."}


# --- schema -------------------------------------------------------------------
def test_openapi_schema_validates_without_warnings(member_api, capsys):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS, f"drf-spectacular reported problems: {GENERATOR_STATS}"
    for path in ["/api/auth/token/", "/api/municipalities/", "/api/members/", "/api/members/me/"]:
        assert path in schema["paths"]


def test_schema_and_docs_are_served_to_members(member_api):
    assert member_api.get("/api/schema/").status_code == 200
    assert member_api.get("/api/docs/").status_code == 200


@pytest.mark.parametrize("content_type", ["multipart", "urlencoded"])
def test_a_nul_character_in_any_value_of_a_repeated_form_field_is_a_400(
    member_api, member, taxonomy, content_type
):
    """A form body may repeat a key; the NUL hides in an earlier value (schemathesis found it:
    ``learning`` looked the value up as a slug and PostgreSQL answered 500)."""
    values = ["e-akte-dms\u0000", "datenschutz"]
    if content_type == "multipart":
        response = member_api.patch("/api/members/me/", {"learning": values}, format="multipart")
    else:
        body = "&".join(f"learning={v}" for v in ["e-akte-dms%00", "datenschutz"])
        response = member_api.patch(
            "/api/members/me/", body, content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 400
    assert "Nullzeichen" in response.content.decode()
    assert not member.learning_interests.exists()
