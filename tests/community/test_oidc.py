"""Sign-in through the municipality's identity provider (issue 21), against a real
OpenID Connect provider (oidc-provider on Node, tests/oidc/provider.mjs)."""

import base64
import contextlib
import json
import logging
import time
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import requests
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from community import oidc
from community import services as community_services
from community.models import OidcIdentity, User
from community.services import oidc as services
from tests.community.second_factor_helpers import Clock, with_authenticator
from tests.conftest import PASSWORD
from tests.oidc_provider import oidc_provider, signing_key, write_keys
from tests.queries import assert_constant_queries
from tests.servers import free_port

CALLBACK = "http://testserver/anmelden/oidc/callback/"


@pytest.fixture(scope="session")
def provider_url(tmp_path_factory):
    accounts = tmp_path_factory.mktemp("oidc") / "accounts.json"
    accounts.write_text("{}")
    with oidc_provider(
        redirect_uri=CALLBACK,
        post_logout_redirect_uri="http://testserver/anmelden/",
        accounts_file=accounts,
    ) as url:
        yield url, accounts


@pytest.fixture
def accounts(provider_url):
    path = provider_url[1]

    def set_accounts(data: dict) -> None:
        path.write_text(json.dumps(data))

    set_accounts({})
    return set_accounts


@pytest.fixture
def connected(provider_url, municipality):
    return services.oidc_provider_set(
        municipality=municipality,
        issuer=provider_url[0],
        client_id="lotsennetz",
        client_secret="lotsennetz-secret",
        by=None,
    )


class _Forms(HTMLParser):
    """The forms on a provider page: action and their input fields."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def _forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def provider_round(start_url: str, login: str, *, abort: bool = False) -> str:
    """Drive the provider's own pages like a browser; return where it sends us back."""
    browser = requests.Session()
    url, method, data = start_url, "GET", None
    for _step in range(20):
        response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url, method, data = urljoin(url, response.headers["Location"]), "GET", None
            if url.startswith("http://testserver/"):
                return url
            continue
        forms = _forms(response.text)
        assert forms, response.text[:500]
        form = forms[0]
        if abort:
            url = urljoin(url, urlsplit(url).path.rstrip("/") + "/abort")
            method, data = "GET", None
            continue
        fields = dict(form["fields"])
        if "login" in fields:
            fields.update(login=login, password="any")
        url, method, data = urljoin(url, form["action"]), "POST", fields
    raise AssertionError("the provider never sent the browser back")


def start(client, email: str):
    response = client.post("/anmelden/", {"username": email})
    assert response.status_code == 302, response.content[:300]
    return response.url


def sign_in(client, email: str, *, login: str | None = None, abort: bool = False):
    back = provider_round(start(client, email), login or email, abort=abort)
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}"), back


def _no_secrets_logged(caplog, *secrets: str) -> None:
    for record in caplog.records:
        text = record.getMessage()
        for secret in ("lotsennetz-secret", *secrets):
            assert secret not in text


# --- configuration ----------------------------------------------------------------------
def test_client_secret_is_sealed_at_rest(connected):
    assert "lotsennetz-secret" not in connected.client_secret_sealed
    assert oidc.client_secret(connected) == "lotsennetz-secret"


def test_coordinator_proposal_waits_for_an_administrator(
    provider_url, municipality, coordinator, admin_member, make_municipality
):
    provider = services.oidc_provider_set(
        municipality=municipality,
        issuer=provider_url[0],
        client_id="lotsennetz",
        client_secret="s",
        by=coordinator,
    )
    assert provider.approved_at is None
    assert services.oidc_provider_for_email("x@wetzlar.de") is None
    other = make_municipality(name="Gießen", domains=["giessen.de"])
    with pytest.raises(PermissionDenied):
        services.oidc_provider_set(
            municipality=other,
            issuer=provider_url[0],
            client_id="x",
            client_secret="s",
            by=coordinator,
        )
    services.oidc_provider_approve(provider=provider, by=admin_member)
    assert services.oidc_provider_for_email("x@wetzlar.de") == provider


def test_sign_in_keeps_working_while_a_change_waits_and_follows_the_approval(
    client, connected, accounts, coordinator, admin_member, municipality, provider_url
):
    services.oidc_provider_set(
        municipality=municipality,
        issuer=provider_url[0],
        client_id="anders",
        client_secret="anderes-geheimnis",
        by=coordinator,
    )
    accounts({"neu@wetzlar.de": {"name": "Nele Neu", "email_verified": True}})
    response, _back = sign_in(client, "neu@wetzlar.de")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="neu@wetzlar.de").pk
    services.oidc_provider_approve(provider=connected, by=admin_member)
    connected.refresh_from_db()
    assert connected.client_id == "anders"
    assert oidc.client_secret(connected) == "anderes-geheimnis"
    client.logout()
    assert "client_id=anders" in start(client, "neu@wetzlar.de")


def test_rejected_change_leaves_sign_in_as_it_was(
    client, connected, accounts, coordinator, admin_member, municipality, provider_url
):
    services.oidc_provider_set(
        municipality=municipality,
        issuer=provider_url[0],
        client_id="anders",
        by=coordinator,
    )
    services.oidc_provider_reject(provider=connected, by=admin_member)
    accounts({"neu@wetzlar.de": {"name": "Nele Neu", "email_verified": True}})
    assert "client_id=lotsennetz" in start(client, "neu@wetzlar.de")
    response, _back = sign_in(client, "neu@wetzlar.de")
    assert response.status_code == 302


def _shown_redirect_uri(client, municipality) -> str:
    html = client.get(f"/kommunen/{municipality.slug}/identitaetsanbieter/").content.decode()
    return html.split("Redirect-URI:")[1].split("<code>")[1].split("</code>")[0]


def test_the_redirect_uri_shown_is_the_one_sent_at_the_served_address(
    client, connected, admin_member, municipality
):
    client.force_login(admin_member)
    shown = _shown_redirect_uri(client, municipality)
    assert shown == "http://testserver/anmelden/oidc/callback/"
    client.logout()
    sent = dict(p.split("=", 1) for p in urlsplit(start(client, "x@wetzlar.de")).query.split("&"))
    assert unquote(sent["redirect_uri"]) == shown


def test_the_redirect_uri_follows_an_explicit_site_url(
    client, connected, admin_member, municipality, settings
):
    settings.SITE_URL, settings.SITE_URL_EXPLICIT = "https://lotsen.example.de", True
    client.force_login(admin_member)
    assert _shown_redirect_uri(client, municipality) == (
        "https://lotsen.example.de/anmelden/oidc/callback/"
    )
    assert oidc.redirect_uri() == "https://lotsen.example.de/anmelden/oidc/callback/"


def test_command_connects_and_disconnects(provider_url, municipality, capsys):
    call_command(
        "municipality_oidc",
        municipality.slug,
        "--issuer",
        provider_url[0],
        "--client-id",
        "lotsennetz",
        "--client-secret",
        "lotsennetz-secret",
        "--require",
    )
    assert "/anmelden/oidc/callback/" in capsys.readouterr().out
    assert municipality.oidc_provider.required
    call_command("municipality_oidc", municipality.slug, "--off")
    assert not services.oidc_provider_for_email("a@wetzlar.de")


# --- the flow ---------------------------------------------------------------------------
def test_first_sign_in_creates_the_member_in_that_municipality(
    client, connected, accounts, municipality, caplog
):
    accounts(
        {"neu@wetzlar.de": {"name": "Nele Neu", "department": "Amt 10", "email_verified": True}}
    )
    caplog.set_level(logging.INFO)
    response, back = sign_in(client, "neu@wetzlar.de")
    assert response.status_code == 302
    member = User.objects.get(email="neu@wetzlar.de")
    assert member.municipality == municipality
    assert member.display_name == "Nele Neu" and member.department == "Amt 10"
    assert not member.has_usable_password()
    assert int(client.session["_auth_user_id"]) == member.pk
    assert member.oidc_identity.last_signin_at is not None
    code = dict(p.split("=", 1) for p in urlsplit(back).query.split("&"))["code"]
    _no_secrets_logged(caplog, code, client.session["oidc_id_token"])


def test_second_sign_in_updates_claims_the_member_did_not_change(
    client, connected, accounts, municipality
):
    accounts({"neu@wetzlar.de": {"name": "Nele Neu", "department": "Amt 10"}})
    sign_in(client, "neu@wetzlar.de")
    member = User.objects.get(email="neu@wetzlar.de")
    first = member.oidc_identity.last_signin_at
    community_services.member_update_profile(member=member, department="Digitalisierung")
    client.logout()
    accounts({"neu@wetzlar.de": {"name": "Nele Neu-Weber", "department": "Amt 20"}})
    response, _back = sign_in(client, "neu@wetzlar.de")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Nele Neu-Weber"
    assert member.department == "Digitalisierung"  # changed on the platform: kept
    assert member.oidc_identity.last_signin_at > first
    assert User.objects.filter(email="neu@wetzlar.de").count() == 1


def test_existing_member_is_linked_only_after_their_password(client, connected, accounts, member):
    response, _back = sign_in(client, member.email)
    assert response.status_code == 302 and response.url == "/anmelden/oidc/verknuepfen/"
    assert "_auth_user_id" not in client.session
    wrong = client.post("/anmelden/oidc/verknuepfen/", {"password": "falsch"})
    assert wrong.status_code == 200 and not OidcIdentity.objects.exists()
    right = client.post("/anmelden/oidc/verknuepfen/", {"password": PASSWORD})
    assert right.status_code == 302
    assert int(client.session["_auth_user_id"]) == member.pk
    assert OidcIdentity.objects.get().member == member


def _refused(response, code: str):
    assert 400 <= response.status_code < 500
    assert response.context["code"] == code
    assert "_auth_user_id" not in response.wsgi_request.session
    assert not OidcIdentity.objects.exists()


def test_wrong_state_is_refused(client, connected, accounts, caplog):
    back = provider_round(start(client, "neu@wetzlar.de"), "neu@wetzlar.de")
    query = urlsplit(back).query.replace("state=", "state=x")
    response = client.get(f"/anmelden/oidc/callback/?{query}")
    _refused(response, "state_mismatch")
    assert not User.objects.filter(email="neu@wetzlar.de").exists()


def test_replayed_code_is_refused(client, connected, accounts, caplog):
    caplog.set_level(logging.INFO)
    start_url = start(client, "neu@wetzlar.de")
    pending = dict(client.session["oidc_pending"])
    back = provider_round(start_url, "neu@wetzlar.de")
    first = client.get(f"/anmelden/oidc/callback/?{urlsplit(back).query}")
    assert first.status_code == 302
    other = type(client)()
    session = other.session
    session["oidc_pending"] = pending
    session.save()
    other.cookies["sessionid"] = session.session_key
    replay = other.get(f"/anmelden/oidc/callback/?{urlsplit(back).query}")
    assert replay.status_code == 400 and replay.context["code"] == "code_refused"
    assert "_auth_user_id" not in other.session
    code = dict(p.split("=", 1) for p in urlsplit(back).query.split("&"))["code"]
    _no_secrets_logged(caplog, code)


@pytest.fixture
def substitute_id_token(monkeypatch):
    """Intercept the token endpoint's answer: the checks that follow are the real ones."""

    def install(make):
        real = oidc.exchange_code

        def exchange(provider, **kwargs):
            tokens = real(provider, **kwargs)
            tokens["id_token"] = make(tokens["id_token"])
            return tokens

        monkeypatch.setattr(oidc, "exchange_code", exchange)

    return install


def _other_app_token(issuer: str, nonce: str) -> str:
    """An ID token the same provider issued to another application."""
    from authlib.integrations.requests_client import OAuth2Session  # test-only helper

    session = OAuth2Session(
        "other-app",
        "other-app-secret",
        scope="openid email",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
    )
    verifier = "v" * 64
    url, _state = session.create_authorization_url(
        issuer + "/auth", code_verifier=verifier, nonce=nonce
    )
    back = provider_round(url, "neu@wetzlar.de")
    code = dict(p.split("=", 1) for p in urlsplit(back).query.split("&"))["code"]
    return session.fetch_token(issuer + "/token", code=code, code_verifier=verifier)["id_token"]


def test_id_token_for_another_audience_is_refused(
    client, connected, accounts, substitute_id_token, provider_url, caplog
):
    start_url = start(client, "neu@wetzlar.de")
    nonce = client.session["oidc_pending"]["nonce"]
    foreign = _other_app_token(provider_url[0], nonce)
    substitute_id_token(lambda _token: foreign)
    back = provider_round(start_url, "neu@wetzlar.de")
    _refused(client.get(f"/anmelden/oidc/callback/?{urlsplit(back).query}"), "id_token_invalid")
    assert "InvalidClaimError" in caplog.text
    assert not User.objects.filter(email="neu@wetzlar.de").exists()


def test_wrongly_signed_id_token_is_refused(
    client, connected, accounts, substitute_id_token, caplog
):
    def tamper(token):
        header, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["email"] = "chef@wetzlar.de"
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"{header}.{forged}.{signature}"

    substitute_id_token(tamper)
    response, _back = sign_in(client, "neu@wetzlar.de")
    _refused(response, "id_token_invalid")
    assert "BadSignatureError" in caplog.text
    assert not User.objects.exists()


def test_expired_id_token_is_refused(
    client, connected, accounts, settings, substitute_id_token, caplog
):
    settings.OIDC_CLOCK_LEEWAY_SECONDS = 0
    connected.client_id = "lotsennetz-short"
    connected.client_secret_sealed = community_services.oidc.sealing.seal(
        "lotsennetz-short-secret", purpose=oidc.SEALING_PURPOSE
    )
    connected.save()

    def wait_for_expiry(token):
        time.sleep(2.2)
        return token

    substitute_id_token(wait_for_expiry)
    response, _back = sign_in(client, "neu@wetzlar.de")
    _refused(response, "id_token_invalid")
    assert "ExpiredTokenError" in caplog.text
    assert not User.objects.filter(email="neu@wetzlar.de").exists()


def test_address_of_another_municipality_is_refused(client, connected, accounts, make_municipality):
    make_municipality(name="Gießen", domains=["giessen.de"])
    # The provider vouches for an address on another municipality's domain.
    accounts({"neu@wetzlar.de": {"email": "jemand@giessen.de"}})
    response, _back = sign_in(client, "neu@wetzlar.de")
    _refused(response, "email_foreign_domain")
    assert not User.objects.exists()


def test_unverified_address_is_refused(client, connected, accounts):
    accounts({"neu@wetzlar.de": {"email_verified": False}})
    response, _back = sign_in(client, "neu@wetzlar.de")
    _refused(response, "email_unverified")


def test_provider_down_is_a_clear_page(client, municipality, caplog):
    services.oidc_provider_set(
        municipality=municipality,
        issuer=f"http://127.0.0.1:{free_port()}",
        client_id="lotsennetz",
        client_secret="lotsennetz-secret",
        by=None,
    )
    response = client.post("/anmelden/", {"username": "neu@wetzlar.de"})
    assert response.status_code == 400
    assert "nicht erreichbar" in response.content.decode()
    _no_secrets_logged(caplog)


def test_access_denied_by_the_provider_is_a_clear_page(client, connected, accounts, member):
    response, _back = sign_in(client, member.email, abort=True)
    assert response.status_code == 403
    assert "abgelehnt" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("code=" + "1" * 100, "code_refused"),
        ("", "state_mismatch"),
        ("state=", "state_mismatch"),
        ("code=abc", "state_mismatch"),
        ("error=server_error", "provider_error"),
        ("code=", "bad_request"),
    ],
    ids=["code-100-digits", "nothing", "empty-state", "no-state", "provider-error", "empty-code"],
)
def test_bad_callback_parameters_are_refused(client, connected, accounts, query, code, caplog):
    start(client, "neu@wetzlar.de")
    state = client.session["oidc_pending"]["state"]
    if query.startswith(("code=1", "error=")) or query == "code=":
        query += f"&state={state}"
    response = client.get(f"/anmelden/oidc/callback/?{query}")
    _refused(response, code)
    assert not User.objects.exists()
    _no_secrets_logged(caplog, "1" * 100)


def test_callback_without_a_started_sign_in_is_refused(client, connected):
    _refused(client.get("/anmelden/oidc/callback/?code=abc&state=def"), "no_pending")


# --- leaving ends access ----------------------------------------------------------------
def test_required_provider_refuses_password_sign_in_and_tokens(
    client, api_client, connected, member
):
    connected.required = True
    connected.save()
    # The address goes to the provider; a password for it is not accepted anywhere.
    response = client.post("/anmelden/", {"username": member.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url.startswith(connected.issuer)
    api = api_client.post(
        "/api/auth/token/", {"email": member.email, "password": PASSWORD}, format="json"
    )
    assert api.status_code == 403 and api.json()["code"] == "oidc_required"


def test_members_who_stopped_signing_in_are_deactivated(client, connected, accounts):
    sign_in(client, "neu@wetzlar.de")
    member = User.objects.get(email="neu@wetzlar.de")
    OidcIdentity.objects.filter(member=member).update(
        last_signin_at=timezone.now() - timezone.timedelta(days=31)
    )
    call_command("oidc_expire", "--days", "30")
    member.refresh_from_db()
    assert not member.is_active


def test_logout_ends_the_session_at_the_provider_too(client, connected, accounts):
    sign_in(client, "neu@wetzlar.de")
    response = client.post("/abmelden/")
    assert response.status_code == 302
    assert response.url.startswith(connected.issuer + "/session/end")
    assert "id_token_hint=" in response.url
    assert "_auth_user_id" not in client.session


def test_admin_seals_the_secret_and_never_shows_it(
    client, admin_member, municipality, provider_url
):
    admin_member.is_superuser = True
    admin_member.save()
    client.force_login(admin_member)
    form = {
        "municipality": municipality.pk,
        "issuer": provider_url[0],
        "client_id": "lotsennetz",
        "client_secret": "lotsennetz-secret",
        "email_claim": "email",
    }
    response = client.post("/admin/community/oidcprovider/add/", form)
    assert response.status_code == 302, response.content[:2000]
    provider = municipality.oidc_provider
    assert provider.is_approved and provider.approved_by == admin_member
    assert oidc.client_secret(provider) == "lotsennetz-secret"
    page = client.get(f"/admin/community/oidcprovider/{provider.pk}/change/").content.decode()
    assert "lotsennetz-secret" not in page and provider.client_secret_sealed not in page
    assert "/anmelden/oidc/callback/" in page
    # Left empty, the secret stays; an insecure issuer is refused.
    client.post(
        f"/admin/community/oidcprovider/{provider.pk}/change/", {**form, "client_secret": ""}
    )
    provider.refresh_from_db()
    assert oidc.client_secret(provider) == "lotsennetz-secret"
    refused = client.post(
        f"/admin/community/oidcprovider/{provider.pk}/change/",
        {**form, "issuer": "http://idp.example.org"},
    )
    assert refused.status_code == 200


def test_failure_page_is_translated(client):
    client.post("/sprache/", {"language": "en", "next": "/anmelden/"})
    response = client.get("/anmelden/oidc/callback/?code=abc&state=def")
    assert response.status_code == 400
    assert "This sign-in was not started here" in response.content.decode()


def test_no_second_step_after_the_provider(client, connected, accounts, monkeypatch):
    """The provider is responsible for how strongly it authenticates (docs/deploy)."""
    sign_in(client, "neu@wetzlar.de")
    member = User.objects.get(email="neu@wetzlar.de")
    with_authenticator(member, Clock(monkeypatch))
    client.logout()
    response, _back = sign_in(client, "neu@wetzlar.de")
    assert response.status_code == 302 and "zweiter-faktor" not in response.url
    assert int(client.session["_auth_user_id"]) == member.pk


def _coordinator_signed_in_once(client) -> User:
    sign_in(client, "neu@wetzlar.de")
    member = User.objects.get(email="neu@wetzlar.de")
    member.role = "coordinator"
    member.save(update_fields=["role"])
    return member


def test_a_coordinator_whose_provider_did_not_say_it_asked_a_second_factor_must_set_one_up(
    client, connected, accounts, settings
):
    """The test provider sends no ``amr``: for a role that must have a second factor,
    the provider's sign-in alone is a password, as far as the platform can tell."""
    settings.SECOND_FACTOR_REQUIRED_FOR = "roles"
    _coordinator_signed_in_once(client)
    response = client.get("/forum/")
    assert response.status_code == 302
    assert response.url == reverse("second_factor_manage")


def test_a_coordinator_whose_provider_names_a_second_factor_in_amr_goes_on(
    client, connected, accounts, settings, monkeypatch
):
    settings.SECOND_FACTOR_REQUIRED_FOR = "roles"
    verify = oidc.verify_id_token
    monkeypatch.setattr(
        oidc, "verify_id_token", lambda *a, **k: {**verify(*a, **k), "amr": ["pwd", "otp"]}
    )
    _coordinator_signed_in_once(client)
    assert client.get("/forum/").status_code == 200


def test_an_amr_of_a_password_alone_is_no_second_factor(
    client, connected, accounts, settings, monkeypatch
):
    settings.SECOND_FACTOR_REQUIRED_FOR = "roles"
    verify = oidc.verify_id_token
    monkeypatch.setattr(
        oidc, "verify_id_token", lambda *a, **k: {**verify(*a, **k), "amr": ["pwd", "kba"]}
    )
    _coordinator_signed_in_once(client)
    assert client.get("/forum/").status_code == 302


def test_an_operator_who_trusts_the_providers_lets_coordinators_go_on(
    client, connected, accounts, settings
):
    settings.SECOND_FACTOR_REQUIRED_FOR = "roles"
    settings.OIDC_PROVIDER_SECOND_FACTOR = "trust"
    _coordinator_signed_in_once(client)
    assert client.get("/forum/").status_code == 200


def test_a_coordinator_with_a_platform_factor_is_asked_for_it_after_the_provider(
    client, connected, accounts, settings, monkeypatch
):
    settings.SECOND_FACTOR_REQUIRED_FOR = "roles"
    member = _coordinator_signed_in_once(client)
    clock = Clock(monkeypatch)
    secret, _codes = with_authenticator(member, clock)
    client.logout()
    response, _back = sign_in(client, "neu@wetzlar.de")
    assert response.status_code == 302
    assert response.url == reverse("second_factor_signin")
    assert "_auth_user_id" not in client.session
    # The platform's own step completes the sign-in, as after a password.
    response = client.post(reverse("second_factor_signin"), {"otp": clock.code(secret)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == member.pk
    assert client.get("/forum/").status_code == 200


@pytest.mark.parametrize("model", ["oidcprovider", "oidcidentity"])
def test_admin_lists_do_not_grow_with_data(
    client, admin_member, make_municipality, make_member, django_assert_num_queries, model
):
    admin_member.is_superuser = True
    admin_member.save()
    client.force_login(admin_member)

    def connect_one():
        town = make_municipality()
        provider = services.oidc_provider_set(
            municipality=town,
            issuer="https://id.example.org/realms/" + town.slug,
            client_id="lotsennetz",
            client_secret="s",
            by=None,
        )
        person = make_member(municipality=town)
        OidcIdentity.objects.create(
            member=person, provider=provider, subject=person.handle, last_signin_at=timezone.now()
        )

    connect_one()

    def grow():
        for _n in range(3):
            connect_one()

    assert_constant_queries(
        client, f"/admin/community/{model}/", grow, django_assert_num_queries, status=200
    )


def test_provider_down_at_the_callback_is_a_clear_page(client, connected, accounts, caplog):
    start_url = start(client, "neu@wetzlar.de")
    back = provider_round(start_url, "neu@wetzlar.de")
    # The provider goes away between the sign-in form and the code exchange.
    key = f"oidc:discovery:{connected.issuer}"
    metadata = cache.get(key)
    cache.set(key, {**metadata, "token_endpoint": f"http://127.0.0.1:{free_port()}/token"})
    response = client.get(f"/anmelden/oidc/callback/?{urlsplit(back).query}")
    _refused(response, "provider_unavailable")
    code = dict(p.split("=", 1) for p in urlsplit(back).query.split("&"))["code"]
    _no_secrets_logged(caplog, code)


def test_email_first_other_addresses_are_asked_for_the_password(
    client, connected, make_municipality
):
    make_municipality(name="Gießen", domains=["giessen.de"])
    response = client.post("/anmelden/", {"username": "jemand@giessen.de"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["username"] == "jemand@giessen.de" and not form.errors
    assert "autofocus" in form.fields["password"].widget.attrs
    # An address of the connected municipality goes to its provider, with a login hint.
    to_provider = client.post("/anmelden/", {"username": "Neu@Wetzlar.de"})
    assert to_provider.status_code == 302
    assert to_provider.url.startswith(connected.issuer + "/auth?")
    for parameter in ("code_challenge_method=S256", "nonce=", "state=", "login_hint="):
        assert parameter in to_provider.url


def test_claims_the_platform_refuses_are_a_clear_page(client, connected, accounts):
    accounts({"neu@wetzlar.de": {"name": "Nele \u202eueN"}})  # a bidirectional override
    response, _back = sign_in(client, "neu@wetzlar.de")
    _refused(response, "claims_invalid")
    assert not User.objects.exists()
    accounts({"neu@wetzlar.de": {"name": "Nele Neu"}})
    sign_in(client, "neu@wetzlar.de")
    client.logout()
    accounts({"neu@wetzlar.de": {"name": "Nele \u202eueN"}})
    response, _back = sign_in(client, "neu@wetzlar.de")
    assert response.status_code == 302  # signed in; the refused name is not taken over
    assert User.objects.get().display_name == "Nele Neu"


def test_required_provider_expires_accounts_never_linked(connected, member, admin_member):
    old = timezone.now() - timezone.timedelta(days=40)
    connected.required = True
    connected.approved_at = old
    connected.save()
    User.objects.filter(pk__in=[member.pk, admin_member.pk]).update(
        date_joined=old, municipality=connected.municipality
    )
    assert services.oidc_members_expire(max_age_days=30) == 1
    member.refresh_from_db()
    admin_member.refresh_from_db()
    assert not member.is_active
    assert admin_member.is_active  # administrators are never locked out by the expiry


# --- key rotation -----------------------------------------------------------------------
@pytest.fixture
def rotating_provider(tmp_path):
    """A provider of its own whose signing keys the test replaces (restarted on one port)."""
    accounts = tmp_path / "accounts.json"
    accounts.write_text("{}")
    keys = tmp_path / "keys.json"
    port = free_port()
    running = contextlib.ExitStack()

    def start(key_list: list[dict], *, hidden: tuple[str, ...] = ()) -> str:
        running.close()
        write_keys(keys, key_list, hidden=hidden)
        return running.enter_context(
            oidc_provider(
                redirect_uri=CALLBACK,
                post_logout_redirect_uri="http://testserver/anmelden/",
                accounts_file=accounts,
                keys_file=keys,
                port=port,
            )
        )

    with running:
        yield start


def _kid(id_token: str) -> str:
    header = id_token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def test_rotated_signing_keys_are_fetched_once_and_a_key_never_published_is_refused(
    client, rotating_provider, municipality, monkeypatch, caplog
):
    old, new, unknown = signing_key("alt"), signing_key("neu"), signing_key("fremd")
    issuer = rotating_provider([old])
    services.oidc_provider_set(
        municipality=municipality,
        issuer=issuer,
        client_id="lotsennetz",
        client_secret="lotsennetz-secret",
        by=None,
    )
    jwks_fetches = []
    real_get_json = oidc._get_json

    def counting_get_json(url):
        if url == f"{issuer}/jwks":
            jwks_fetches.append(url)
        return real_get_json(url)

    monkeypatch.setattr(oidc, "_get_json", counting_get_json)
    response, _back = sign_in(client, "neu@wetzlar.de")
    assert response.status_code == 302 and _kid(client.session["oidc_id_token"]) == "alt"
    assert len(jwks_fetches) == 1
    client.logout()

    # The provider rotates: a new key signs; the platform has only the old one cached.
    rotating_provider([new, old])
    response, _back = sign_in(client, "neu@wetzlar.de")
    assert response.status_code == 302 and _kid(client.session["oidc_id_token"]) == "neu"
    assert len(jwks_fetches) == 2  # fetched once more, then accepted
    client.logout()
    response, _back = sign_in(client, "neu@wetzlar.de")
    assert response.status_code == 302 and len(jwks_fetches) == 2  # the new set is cached

    # A token signed with a key that is not in the JWKS even after fetching it again.
    client.logout()
    rotating_provider([unknown, new], hidden=("fremd",))
    caplog.set_level(logging.INFO)
    response, _back = sign_in(client, "zweite@wetzlar.de")
    assert response.status_code == 400 and response.context["code"] == "id_token_invalid"
    assert "Identitätsnachweis des Anbieters ist ungültig" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert len(jwks_fetches) == 3  # one more try, no more
    assert "InvalidKeyIdError" in caplog.text
    assert not User.objects.filter(email="zweite@wetzlar.de").exists()
    assert OidcIdentity.objects.count() == 1


# --- the browser may follow the redirects -----------------------------------------------
def _form_action(response) -> str:
    (directive,) = [
        d.strip()
        for d in response["Content-Security-Policy"].split(";")
        if d.strip().startswith("form-action")
    ]
    return directive


def test_the_sign_in_pages_form_may_lead_to_approved_providers_only(
    client, connected, make_municipality
):
    """Browsers check form-action on each redirect of a form's submission: without the
    provider in it, the address step's redirect to the provider would be blocked."""
    proposed = services.oidc_provider_set(
        municipality=make_municipality(name="Gießen", domains=["giessen.de"]),
        issuer="https://id.giessen.example",
        client_id="lotsennetz",
        client_secret="s",
        by=None,
    )
    type(proposed).objects.filter(pk=proposed.pk).update(approved_at=None)
    for response in (
        client.get("/anmelden/"),
        client.post("/anmelden/", {"username": "jemand@giessen.de"}),
    ):
        assert _form_action(response) == f"form-action 'self' {connected.issuer}"
    assert _form_action(client.get("/impressum/")) == "form-action 'self'"


def test_pages_of_a_member_signed_in_at_the_provider_let_the_sign_out_lead_there(
    client, connected, accounts, member
):
    sign_in(client, "neu@wetzlar.de")
    assert _form_action(client.get("/forum/")) == f"form-action 'self' {connected.issuer}"
    client.logout()
    client.force_login(member)  # signed in with a password: the pages stay as they were
    assert _form_action(client.get("/forum/")) == "form-action 'self'"


@pytest.mark.parametrize(
    "stored",
    ["https://idp.example; script-src *", "'unsafe-inline'", "javascript:x", 42],
    ids=["directive", "keyword", "scheme", "not-a-string"],
)
def test_only_plain_origins_reach_the_form_action(client, member, stored):
    client.force_login(member)
    session = client.session
    session["csp_form_action"] = [stored]
    session.save()
    assert _form_action(client.get("/forum/")) == "form-action 'self'"


def test_an_authorization_endpoint_on_another_host_is_named_once_its_metadata_is_known(
    client, connected
):
    start(client, "neu@wetzlar.de")  # fetches and caches the provider's metadata
    key = f"oidc:discovery:{connected.issuer}"
    cache.set(key, {**cache.get(key), "authorization_endpoint": "https://login.example.org/a"})
    assert _form_action(client.get("/anmelden/")) == (
        f"form-action 'self' {connected.issuer} https://login.example.org"
    )
