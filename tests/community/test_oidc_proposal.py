"""A coordinator proposes the municipality's identity provider on a page; only an
administrator's approval in the admin makes it active (issue 21)."""

import io
import json
import socket

import pytest
import requests
import urllib3
from django.core.exceptions import PermissionDenied

from community import oidc, services
from community.models import OidcProvider, Role
from core import sealing
from notifications.models import Notification
from tests.queries import assert_constant_queries

ISSUER = "https://id.wetzlar.de/realms/opendesk"
SECRET = "geheim-client-secret-4711"


def page(municipality) -> str:
    return f"/kommunen/{municipality.slug}/identitaetsanbieter/"


class FakeResponse:
    def __init__(self, data, status=200):
        self.data, self.status = data, status

    def raise_for_status(self):
        if self.status >= 400:
            raise requests.HTTPError(f"{self.status}")

    def json(self):
        return self.data


PUBLIC = "93.184.216.34"


def answers(*addresses):
    """A getaddrinfo that resolves every name to ``addresses``."""

    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port, 0, 0) if ":" in address else (address, port),
            )
            for address in addresses
        ]

    return getaddrinfo


class FakePool:
    """urllib3's pool as the pinned probe uses it: records where it connects."""

    documents: dict = {}
    redirects: dict = {}
    opened: list = []

    def __init__(self, host, port=None, *, server_hostname=None, **kwargs):
        self.host, self.port, self.server_hostname = host, port, server_hostname

    def urlopen(self, method, path, *, headers, redirect=True, **kwargs):
        url = f"https://{headers['Host']}{path}"
        self.opened.append((self.host, self.server_hostname, url, redirect))
        if url in self.redirects:
            return urllib3.HTTPResponse(
                body=io.BytesIO(b""),
                status=302,
                headers={"Location": self.redirects[url]},
                preload_content=False,
            )
        if url not in self.documents:
            raise urllib3.exceptions.NewConnectionError(None, "unreachable")
        return urllib3.HTTPResponse(
            body=io.BytesIO(json.dumps(self.documents[url]).encode()),
            status=200,
            preload_content=False,
        )

    def close(self):
        pass


@pytest.fixture
def pool(monkeypatch):
    FakePool.documents, FakePool.redirects, FakePool.opened = {}, {}, []
    monkeypatch.setattr("community.oidc.urllib3.HTTPSConnectionPool", FakePool)
    monkeypatch.setattr("community.oidc.getaddrinfo", answers(PUBLIC))
    return FakePool


@pytest.fixture
def discovery(monkeypatch, pool):
    """The provider's discovery documents, by URL; anything else is unreachable. Names
    resolve to a public address unless a test says otherwise."""
    documents = pool.documents

    def get(url, timeout=None):
        if url not in documents:
            raise requests.ConnectionError("unreachable")
        return FakeResponse(documents[url])

    monkeypatch.setattr("community.oidc.requests.get", get)

    def publish(url: str, **overrides) -> None:
        documents[url + "/.well-known/openid-configuration"] = {
            "issuer": url,
            "authorization_endpoint": url + "/auth",
            "token_endpoint": url + "/token",
            "jwks_uri": url + "/certs",
            **overrides,
        }

    publish(ISSUER)
    return publish


@pytest.fixture
def admin_client(client, admin_member):
    admin_member.is_superuser = True
    admin_member.is_staff = True
    admin_member.save(update_fields=["is_superuser", "is_staff"])
    client.force_login(admin_member)
    return client


def proposal(**changes) -> dict:
    return {
        "issuer": ISSUER,
        "client_id": "lotsennetz",
        "client_secret": SECRET,
        "email_claim": "email",
        **changes,
    }


def test_a_coordinator_proposes_and_nothing_is_active_until_approval(
    client, coordinator, municipality, discovery
):
    client.force_login(coordinator)
    response = client.post(page(municipality), proposal(required="on"))
    assert response.status_code == 302
    provider = OidcProvider.objects.get(municipality=municipality)
    assert provider.approved_at is None and provider.approved_by is None
    assert provider.proposed_by == coordinator
    assert provider.required
    assert services.oidc_provider_for_email("anna@wetzlar.de") is None
    assert not services.oidc_required_for(email="anna@wetzlar.de")
    html = client.get(page(municipality)).content.decode()
    assert "Die Freigabe durch die Administration steht aus" in html
    assert "/anmelden/oidc/callback/" in html


def test_the_client_secret_is_never_shown_back(client, coordinator, municipality, discovery):
    client.force_login(coordinator)
    client.post(page(municipality), proposal())
    provider = OidcProvider.objects.get(municipality=municipality)
    assert SECRET not in provider.client_secret_sealed
    html = client.get(page(municipality)).content.decode()
    assert SECRET not in html
    assert provider.client_secret_sealed not in html
    # Left empty, the stored secret stays.
    response = client.post(page(municipality), proposal(client_secret="", client_id="neu"))
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.client_id == "neu" and provider.client_secret_sealed


def test_a_first_proposal_needs_the_secret(client, coordinator, municipality, discovery):
    client.force_login(coordinator)
    response = client.post(page(municipality), proposal(client_secret=""))
    assert response.status_code == 400
    assert "Bitte geben Sie das Client-Geheimnis an." in response.content.decode()
    assert not OidcProvider.objects.exists()


@pytest.mark.parametrize("issuer", ["http://id.wetzlar.de/realms/opendesk", "ftp://id.wetzlar.de"])
def test_an_issuer_without_https_is_a_form_error(
    client, coordinator, municipality, discovery, issuer
):
    client.force_login(coordinator)
    response = client.post(page(municipality), proposal(issuer=issuer))
    assert response.status_code == 400
    assert not OidcProvider.objects.exists()


def test_an_unreachable_issuer_is_a_clear_form_error_not_a_500(
    client, coordinator, municipality, discovery
):
    client.force_login(coordinator)
    response = client.post(page(municipality), proposal(issuer="https://nirgends.wetzlar.de"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "keine OpenID-Connect-Konfiguration abrufbar" in html
    assert "https://nirgends.wetzlar.de/.well-known/openid-configuration" in html
    assert not OidcProvider.objects.exists()


def test_a_discovery_naming_another_issuer_is_a_form_error(
    client, coordinator, municipality, discovery
):
    discovery("https://id.wetzlar.de/falsch", issuer="https://boese.example")
    client.force_login(coordinator)
    response = client.post(page(municipality), proposal(issuer="https://id.wetzlar.de/falsch"))
    assert response.status_code == 400
    assert "nennt einen anderen Issuer" in response.content.decode()


def test_a_bad_claim_name_is_a_form_error(client, coordinator, municipality, discovery):
    client.force_login(coordinator)
    response = client.post(page(municipality), proposal(email_claim="<script>"))
    assert response.status_code == 400
    assert not OidcProvider.objects.exists()


def test_the_coordinator_of_another_municipality_gets_404(
    client, make_member, make_municipality, municipality, discovery
):
    giessen = make_municipality(name="Gießen", domains=["giessen.de"])
    stranger = make_member(municipality=giessen, role=Role.COORDINATOR)
    client.force_login(stranger)
    assert client.get(page(municipality)).status_code == 404
    assert client.post(page(municipality), proposal()).status_code == 404
    assert not OidcProvider.objects.exists()


def test_a_plain_member_and_a_moderator_get_404(client, member, moderator, municipality, discovery):
    for person in (member, moderator):
        client.force_login(person)
        assert client.get(page(municipality)).status_code == 404
        assert client.post(page(municipality), proposal()).status_code == 404
    assert not OidcProvider.objects.exists()


def test_an_unknown_municipality_gets_404(client, coordinator, discovery):
    client.force_login(coordinator)
    assert client.get("/kommunen/gibt-es-nicht/identitaetsanbieter/").status_code == 404


def test_a_deactivated_coordinator_gets_nowhere(client, coordinator, municipality, discovery):
    client.force_login(coordinator)
    services.member_deactivate(member=coordinator)
    response = client.post(page(municipality), proposal())
    assert response.status_code == 302 and response["Location"].startswith("/anmelden/")
    coordinator.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.oidc_provider_set(
            municipality=municipality,
            issuer=ISSUER,
            client_id="x",
            client_secret="y",
            by=coordinator,
        )
    assert not OidcProvider.objects.exists()


def test_a_coordinator_cannot_approve_or_activate_their_own_proposal(
    client, coordinator, municipality, discovery
):
    client.force_login(coordinator)
    client.post(
        page(municipality),
        proposal(approved_at="2026-01-01 00:00", approved_by=coordinator.pk, approved="on"),
    )
    provider = OidcProvider.objects.get(municipality=municipality)
    assert provider.approved_at is None
    # The admin's approval action is not theirs to use.
    response = client.post(
        "/admin/community/oidcprovider/",
        {"action": "approve", "_selected_action": [provider.pk]},
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with pytest.raises(PermissionDenied):
        services.oidc_provider_approve(provider=provider, by=coordinator)
    provider.refresh_from_db()
    assert provider.approved_at is None
    assert services.oidc_provider_for_email("anna@wetzlar.de") is None


def test_the_admin_shows_pending_proposals_and_approval_records_who_and_when(
    client, admin_client, admin_member, coordinator, municipality, discovery
):
    services.oidc_provider_set(
        municipality=municipality,
        issuer=ISSUER,
        client_id="lotsennetz",
        client_secret=SECRET,
        by=coordinator,
    )
    html = admin_client.get("/admin/community/oidcprovider/").content.decode()
    assert "Wartet auf Freigabe" in html
    assert "1 Vorschlag der Koordination wartet auf Freigabe" in html
    assert admin_client.get("/admin/community/oidcprovider/?freigabe=offen").status_code == 200
    provider = OidcProvider.objects.get()
    response = admin_client.post(
        "/admin/community/oidcprovider/",
        {"action": "approve", "_selected_action": [provider.pk]},
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.approved_by == admin_member and provider.approved_at is not None
    assert provider.proposed_by == coordinator
    assert services.oidc_provider_for_email("anna@wetzlar.de") == provider
    html = admin_client.get("/admin/community/oidcprovider/").content.decode()
    assert "Wartet auf Freigabe" not in html


def test_changing_the_issuer_after_approval_waits_while_the_approved_one_stays(
    client, coordinator, admin_member, municipality, discovery
):
    provider = services.oidc_provider_set(
        municipality=municipality,
        issuer=ISSUER,
        client_id="lotsennetz",
        client_secret=SECRET,
        by=coordinator,
    )
    services.oidc_provider_approve(provider=provider, by=admin_member)
    client.force_login(coordinator)
    # Saved unchanged (the secret left empty): the approval stands, nothing waits.
    assert client.post(page(municipality), proposal(client_secret="")).status_code == 302
    provider.refresh_from_db()
    assert provider.is_approved and not provider.is_pending
    assert "freigegeben von" in client.get(page(municipality)).content.decode()
    other = "https://andere.wetzlar.de/realms/x"
    discovery(other)
    assert client.post(page(municipality), proposal(issuer=other)).status_code == 302
    provider.refresh_from_db()
    assert provider.issuer == ISSUER and provider.approved_by == admin_member
    assert provider.proposed_issuer == other and provider.proposed_by == coordinator
    assert provider.is_pending
    # Members still sign in through the approved connection.
    assert services.oidc_provider_for_email("anna@wetzlar.de") == provider
    html = client.get(page(municipality)).content.decode()
    assert "Änderung vorgeschlagen: " + other in html
    # The form goes on with the proposal, not the approved settings.
    assert f'value="{other}"' in html


@pytest.mark.parametrize(
    "change", [{"client_id": "anders"}, {"email_claim": "upn"}, {"client_secret": "neu"}]
)
def test_any_other_change_by_the_coordinator_waits_for_approval_too(
    client, coordinator, admin_member, municipality, discovery, change
):
    provider = services.oidc_provider_set(
        municipality=municipality,
        issuer=ISSUER,
        client_id="lotsennetz",
        client_secret=SECRET,
        by=coordinator,
    )
    services.oidc_provider_approve(provider=provider, by=admin_member)
    client.force_login(coordinator)
    assert client.post(page(municipality), proposal(**change)).status_code == 302
    provider.refresh_from_db()
    assert provider.is_approved and provider.has_proposal
    assert (provider.client_id, provider.email_claim) == ("lotsennetz", "email")
    assert oidc.client_secret(provider) == SECRET


def approved_with_change(coordinator, admin_member, municipality, **change):
    provider = services.oidc_provider_set(
        municipality=municipality,
        issuer=ISSUER,
        client_id="lotsennetz",
        client_secret=SECRET,
        by=coordinator,
    )
    services.oidc_provider_approve(provider=provider, by=admin_member)
    return services.oidc_provider_set(
        municipality=municipality,
        **{
            "issuer": ISSUER,
            "client_id": "lotsennetz",
            "client_secret": None,
            "by": coordinator,
            **change,
        },
    )


def test_the_proposed_secret_is_sealed_and_never_shown(
    client, coordinator, admin_member, municipality, discovery
):
    provider = approved_with_change(
        coordinator, admin_member, municipality, client_secret="ganz-neues-geheimnis"
    )
    assert "ganz-neues-geheimnis" not in provider.proposed_client_secret_sealed
    assert (
        sealing.unseal(provider.proposed_client_secret_sealed, purpose=oidc.SEALING_PURPOSE)
        == "ganz-neues-geheimnis"
    )
    client.force_login(coordinator)
    assert "ganz-neues-geheimnis" not in client.get(page(municipality)).content.decode()


def test_approving_a_change_puts_it_in_force(
    admin_client, coordinator, admin_member, municipality, discovery
):
    provider = approved_with_change(
        coordinator, admin_member, municipality, client_id="neu", client_secret="neues-geheimnis"
    )
    html = admin_client.get("/admin/community/oidcprovider/").content.decode()
    assert "Änderung wartet auf Freigabe" in html
    change = admin_client.get(f"/admin/community/oidcprovider/{provider.pk}/change/")
    assert change.status_code == 200 and "neues-geheimnis" not in change.content.decode()
    response = admin_client.post(
        "/admin/community/oidcprovider/",
        {"action": "approve", "_selected_action": [provider.pk]},
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.client_id == "neu" and not provider.is_pending
    assert oidc.client_secret(provider) == "neues-geheimnis"
    assert provider.proposed_client_secret_sealed == "" and provider.proposed_issuer == ""
    assert services.oidc_provider_for_email("anna@wetzlar.de") == provider


def test_rejecting_a_change_keeps_the_approved_connection(
    admin_client, coordinator, admin_member, municipality, discovery
):
    provider = approved_with_change(coordinator, admin_member, municipality, client_id="neu")
    response = admin_client.post(
        "/admin/community/oidcprovider/",
        {"action": "reject", "_selected_action": [provider.pk]},
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.client_id == "lotsennetz" and provider.is_approved
    assert not provider.has_proposal and provider.proposed_client_secret_sealed == ""
    assert oidc.client_secret(provider) == SECRET
    assert services.oidc_provider_for_email("anna@wetzlar.de") == provider


def test_rejecting_a_first_proposal_removes_it(admin_member, coordinator, municipality, discovery):
    provider = services.oidc_provider_set(
        municipality=municipality,
        issuer=ISSUER,
        client_id="lotsennetz",
        client_secret=SECRET,
        by=coordinator,
    )
    assert services.oidc_provider_reject(provider=provider, by=admin_member) is None
    assert not OidcProvider.objects.exists()


def test_only_administrators_approve_or_reject_a_change(
    client,
    coordinator,
    admin_member,
    member,
    municipality,
    make_municipality,
    make_member,
    discovery,
):
    provider = approved_with_change(coordinator, admin_member, municipality, client_id="neu")
    other = make_municipality(name="Gießen", domains=["giessen.de"])
    stranger = make_member(
        email="koordination@giessen.de", municipality=other, role=Role.COORDINATOR
    )
    deactivated = make_member(
        email="alt@wetzlar.de", municipality=municipality, role=Role.COORDINATOR
    )
    services.member_deactivate(member=deactivated)
    deactivated.refresh_from_db()
    for who in (coordinator, stranger, member, deactivated):
        for action in (services.oidc_provider_approve, services.oidc_provider_reject):
            with pytest.raises(PermissionDenied):
                action(provider=provider, by=who)
        client.force_login(who)
        for action in ("approve", "reject"):
            response = client.post(
                "/admin/community/oidcprovider/",
                {"action": action, "_selected_action": [provider.pk]},
            )
            # To a sign-in page (the admin's, or the platform's for the deactivated one).
            assert response.status_code == 302
            assert response["Location"].startswith(("/admin/login/", "/anmelden/"))
    provider.refresh_from_db()
    assert provider.client_id == "lotsennetz" and provider.proposed_client_id == "neu"


def test_an_administrator_saving_the_connection_replaces_a_waiting_change(
    admin_member, coordinator, municipality, discovery
):
    approved_with_change(coordinator, admin_member, municipality, client_id="neu")
    provider = services.oidc_provider_set(
        municipality=municipality,
        issuer=ISSUER,
        client_id="vom-admin",
        by=admin_member,
    )
    assert provider.client_id == "vom-admin" and not provider.is_pending


def test_a_proposal_rings_the_administrators_bell_with_a_link_to_it(
    client, coordinator, admin_member, member, municipality, discovery
):
    client.force_login(coordinator)
    assert client.post(page(municipality), proposal()).status_code == 302
    provider = OidcProvider.objects.get()
    link = f"/admin/community/oidcprovider/{provider.pk}/change/"
    bell = Notification.objects.filter(kind="oidc.proposal")
    assert list(bell.values_list("recipient", "url")) == [(admin_member.pk, link)]
    assert "Wetzlar" in bell.get().text
    # A change to the approved connection rings again; saving it unchanged does not.
    services.oidc_provider_approve(provider=provider, by=admin_member)
    assert client.post(page(municipality), proposal(client_id="neu")).status_code == 302
    assert (
        client.post(page(municipality), proposal(client_id="neu", client_secret="")).status_code
        == 302
    )
    assert bell.count() == 2
    assert not Notification.objects.filter(recipient__in=[coordinator, member]).exists()


def test_an_administrator_on_the_page_connects_at_once(
    admin_client, admin_member, municipality, discovery
):
    response = admin_client.post(page(municipality), proposal())
    assert response.status_code == 302
    provider = OidcProvider.objects.get(municipality=municipality)
    assert provider.approved_by == admin_member


def test_coordinators_find_the_page_from_the_start_page_and_the_invitation_page(
    client, coordinator, member, municipality
):
    client.force_login(coordinator)
    for url in ("/", "/einladen/"):
        assert page(municipality) in client.get(url).content.decode()
    client.force_login(member)
    assert page(municipality) not in client.get("/").content.decode()


def test_the_page_needs_the_same_queries_with_more_members_and_municipalities(
    client, coordinator, municipality, make_member, make_municipality, django_assert_num_queries
):
    services.oidc_provider_set(
        municipality=municipality,
        issuer=ISSUER,
        client_id="lotsennetz",
        client_secret=SECRET,
        by=coordinator,
    )
    client.force_login(coordinator)

    def grow():
        for _n in range(3):
            town = make_municipality()
            services.oidc_provider_set(
                municipality=town,
                issuer=f"https://id.example.org/{town.slug}",
                client_id="x",
                client_secret="y",
                by=None,
            )
            make_member(municipality=municipality, role=Role.COORDINATOR)

    assert_constant_queries(client, page(municipality), grow, django_assert_num_queries, status=200)


def test_the_admin_list_with_pending_proposals_does_not_grow_with_data(
    admin_client, coordinator, make_municipality, make_member, django_assert_num_queries
):
    def propose_one():
        town = make_municipality()
        proposer = make_member(municipality=town, role=Role.COORDINATOR)
        services.oidc_provider_set(
            municipality=town,
            issuer=f"https://id.example.org/{town.slug}",
            client_id="x",
            client_secret="y",
            by=proposer,
        )

    propose_one()

    def grow():
        for _n in range(3):
            propose_one()

    assert_constant_queries(
        admin_client,
        "/admin/community/oidcprovider/",
        grow,
        django_assert_num_queries,
        status=200,
    )


# --- the coordinator's issuer probe is no probe into the internal network -------------
INTERNAL = "liegt im internen Netz"


@pytest.mark.parametrize(
    ("issuer", "addresses"),
    [
        ("https://127.0.0.1/realms/x", ["127.0.0.1"]),
        ("https://10.1.2.3/realms/x", ["10.1.2.3"]),
        ("https://169.254.169.254/latest", ["169.254.169.254"]),
        ("https://[::1]/realms/x", ["::1"]),
        ("https://[fc00::1]/realms/x", ["fc00::1"]),
        ("https://[::ffff:127.0.0.1]/realms/x", ["::ffff:127.0.0.1"]),
        # A public-looking name that resolves to a private address (or to both).
        ("https://keycloak.wetzlar.de/realms/x", ["192.168.0.5"]),
        ("https://keycloak.wetzlar.de/realms/x", [PUBLIC, "172.16.0.1"]),
        ("https://keycloak.wetzlar.de/realms/x", ["100.64.0.1"]),
    ],
)
def test_an_issuer_in_the_internal_network_is_refused_without_asking_it(
    client, coordinator, municipality, discovery, pool, monkeypatch, issuer, addresses
):
    monkeypatch.setattr("community.oidc.getaddrinfo", answers(*addresses))
    discovery(issuer)  # it would even answer
    client.force_login(coordinator)
    response = client.post(page(municipality), proposal(issuer=issuer))
    assert response.status_code == 400
    assert INTERNAL in response.content.decode()
    assert pool.opened == []
    assert not OidcProvider.objects.exists()


def test_the_probe_connects_to_the_address_it_checked_and_names_the_host_for_tls(
    client, coordinator, municipality, discovery, pool
):
    client.force_login(coordinator)
    assert client.post(page(municipality), proposal()).status_code == 302
    [(address, server_hostname, url, redirect)] = pool.opened
    assert address == PUBLIC and server_hostname == "id.wetzlar.de"
    assert url == ISSUER + "/.well-known/openid-configuration"
    assert redirect is False


def test_a_redirect_to_an_internal_host_is_not_followed(
    client, coordinator, municipality, discovery, pool
):
    pool.documents.clear()
    pool.redirects[ISSUER + "/.well-known/openid-configuration"] = (
        "http://169.254.169.254/latest/meta-data/"
    )
    discovery("http://169.254.169.254/latest/meta-data")
    client.force_login(coordinator)
    response = client.post(page(municipality), proposal())
    assert response.status_code == 400
    assert "keine OpenID-Connect-Konfiguration abrufbar" in response.content.decode()
    assert len(pool.opened) == 1
    assert not OidcProvider.objects.exists()


def test_a_name_that_does_not_resolve_is_unreachable_not_internal(
    client, coordinator, municipality, discovery, monkeypatch
):
    def fail(*args, **kwargs):
        raise OSError("Name or service not known")

    monkeypatch.setattr("community.oidc.getaddrinfo", fail)
    client.force_login(coordinator)
    response = client.post(page(municipality), proposal())
    assert response.status_code == 400
    html = response.content.decode()
    assert "keine OpenID-Connect-Konfiguration abrufbar" in html and INTERNAL not in html


def test_an_administrator_may_name_a_provider_in_the_internal_network(
    admin_client, admin_member, municipality, discovery, monkeypatch
):
    monkeypatch.setattr("community.oidc.getaddrinfo", answers("10.0.0.7"))
    internal = "https://keycloak.intern/realms/x"
    discovery(internal)
    response = admin_client.post(page(municipality), proposal(issuer=internal))
    assert response.status_code == 302
    provider = OidcProvider.objects.get()
    assert provider.issuer == internal and provider.approved_by == admin_member
