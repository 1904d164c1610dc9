"""The OpenID Connect relying party: talking to a municipality's identity provider.

Authlib builds the authorization request (PKCE with S256) and exchanges the code;
its JOSE library (joserfc) checks the ID token: signature against the provider's
JWKS, ``iss``, ``aud`` (our client id only), ``exp``, ``iat`` and ``nonce``. No
secret, code or token is ever written to a log record.
"""

import ipaddress
import json
import logging
import secrets
import socket
from urllib.parse import urlsplit

import requests
import urllib3
from authlib.common.urls import add_params_to_uri
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from community.models import OidcProvider
from core.sealing import unseal
from core.site import site_url

logger = logging.getLogger("lotsennetz.oidc")

SEALING_PURPOSE = "oidc-client-secret"
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
MAX_ID_TOKEN_BYTES = 64 * 1024
MAX_DISCOVERY_BYTES = 256 * 1024

# Module-level so tests can answer name lookups without touching the socket module.
getaddrinfo = socket.getaddrinfo


class OidcError(Exception):
    """The sign-in through the provider failed; ``code`` names why (safe to log)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def redirect_uri() -> str:
    """The one redirect URI to register at every provider: at the address the platform
    is served at (core.site), like every other link; ``SITE_URL`` set explicitly wins."""
    return f"{site_url()}/anmelden/oidc/callback/"


def client_secret(provider: OidcProvider) -> str:
    return unseal(provider.client_secret_sealed, purpose=SEALING_PURPOSE)


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.OIDC_HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("oidc: %s unreachable or invalid (%s)", url, type(exc).__name__)
        raise OidcError("provider_unavailable") from exc
    if not isinstance(data, dict):
        raise OidcError("provider_unavailable")
    return data


def _cache_key(kind: str, url: str) -> str:
    return f"oidc:{kind}:{url}"


def discovery(provider: OidcProvider) -> dict:
    """The provider's metadata, cached briefly; its ``issuer`` must be the configured one."""
    key = _cache_key("discovery", provider.issuer)
    data = cache.get(key)
    if data is None:
        data = _get_json(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
        if data.get("issuer") != provider.issuer:
            logger.warning("oidc: discovery of %s names another issuer", provider.issuer)
            raise OidcError("provider_misconfigured")
        for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(data.get(field), str):
                raise OidcError("provider_misconfigured")
        cache.set(key, data, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    return data


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def public_address(host: str, port: int) -> str:
    """The address to connect to for ``host``, if every address it resolves to is a
    public one; raises OidcError ``provider_internal`` for loopback, private, link-local,
    unique-local, shared or reserved addresses (IPv4 and IPv6), ``provider_unavailable``
    if the name does not resolve."""
    try:
        infos = getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise OidcError("provider_unavailable") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise OidcError("provider_unavailable")
    try:
        if not all(_is_public(address) for address in addresses):
            raise OidcError("provider_internal")
    except ValueError as exc:
        raise OidcError("provider_internal") from exc
    return addresses[0]


def _get_json_pinned(url: str) -> dict:
    """GET ``url`` at the one address checked to be public: no second name lookup (a
    name that changes its answer cannot lead elsewhere) and no redirect followed. TLS
    still checks the certificate against the host name."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme != "https" or not host or parts.username or parts.password:
        raise OidcError("provider_unavailable")
    port = parts.port or 443
    address = public_address(host, port)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    pool = urllib3.HTTPSConnectionPool(
        address,
        port=port,
        server_hostname=host,
        assert_hostname=host,
        cert_reqs="CERT_REQUIRED",
        ca_certs=requests.certs.where(),
        timeout=urllib3.Timeout(total=settings.OIDC_HTTP_TIMEOUT_SECONDS),
        retries=False,
    )
    try:
        response = pool.urlopen(
            "GET",
            path,
            headers={"Host": parts.netloc, "Accept": "application/json"},
            redirect=False,
            retries=False,
            preload_content=False,
        )
        try:
            body = response.read(MAX_DISCOVERY_BYTES + 1, decode_content=True)
        finally:
            response.release_conn()
        if response.status != 200 or len(body) > MAX_DISCOVERY_BYTES:
            raise OidcError("provider_unavailable")
        data = json.loads(body)
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        logger.warning("oidc: %s unreachable or invalid (%s)", url, type(exc).__name__)
        raise OidcError("provider_unavailable") from exc
    finally:
        pool.close()
    if not isinstance(data, dict):
        raise OidcError("provider_unavailable")
    return data


def discovery_probe(issuer: str, *, public_only: bool = True) -> None:
    """Fetch an issuer's discovery document afresh (nothing cached) and check it, before
    a coordinator's proposal is stored; raises OidcError ``provider_internal``,
    ``provider_unavailable`` or ``provider_misconfigured``. The answer itself is never
    shown to the proposer.

    ``public_only`` (coordinators): the server must not become a probe into its own
    network, so only a host whose addresses are all public is asked, at the address
    checked, without following redirects. Administrators may name an internal one.
    """
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    data = _get_json_pinned(url) if public_only else _get_json(url)
    if data.get("issuer") != issuer:
        raise OidcError("provider_misconfigured")
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(data.get(field), str):
            raise OidcError("provider_misconfigured")


def _key_set(provider: OidcProvider, *, refresh: bool = False) -> KeySet:
    jwks_uri = discovery(provider)["jwks_uri"]
    key = _cache_key("jwks", jwks_uri)
    data = None if refresh else cache.get(key)
    if data is None:
        data = _get_json(jwks_uri)
        cache.set(key, data, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    try:
        return KeySet.import_key_set(data)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise OidcError("provider_misconfigured") from exc


def _session(provider: OidcProvider, **kwargs) -> OAuth2Session:
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=client_secret(provider),
        scope="openid email profile",
        redirect_uri=redirect_uri(),
        code_challenge_method="S256",
        **kwargs,
    )


def authorization_request(provider: OidcProvider, *, login_hint: str) -> tuple[str, dict]:
    """The URL to send the browser to, and what the session must keep until the callback."""
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    url, _state = _session(provider).create_authorization_url(
        discovery(provider)["authorization_endpoint"],
        state=state,
        code_verifier=verifier,
        nonce=nonce,
        login_hint=login_hint,
    )
    return url, {"provider": provider.pk, "state": state, "nonce": nonce, "verifier": verifier}


def exchange_code(provider: OidcProvider, *, code: str, verifier: str) -> dict:
    """Trade the code (once) for the provider's tokens."""
    session = _session(provider)
    try:
        token = session.fetch_token(
            discovery(provider)["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            timeout=settings.OIDC_HTTP_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        logger.warning("oidc: token endpoint of %s unreachable", provider.issuer)
        raise OidcError("provider_unavailable") from exc
    except Exception as exc:  # Authlib's OAuthError and friends: the provider said no
        logger.warning(
            "oidc: token endpoint of %s refused the code (%s)",
            provider.issuer,
            getattr(exc, "error", type(exc).__name__),
        )
        raise OidcError("code_refused") from exc
    if not isinstance(token.get("id_token"), str):
        raise OidcError("no_id_token")
    return dict(token)


def verify_id_token(provider: OidcProvider, *, id_token: str, nonce: str) -> dict:
    """The ID token's claims once signature, issuer, audience, times and nonce are right."""
    if len(id_token) > MAX_ID_TOKEN_BYTES:
        raise OidcError("id_token_invalid")
    keys = _key_set(provider)
    try:
        try:
            decoded = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        except InvalidKeyIdError:
            # A key we have not seen: the provider may have rotated its keys since we
            # cached them. Fetch its JWKS once more; a key still unknown is refused.
            decoded = jwt.decode(id_token, _key_set(provider, refresh=True), algorithms=ALGORITHMS)
        claims = decoded.claims
        registry = jwt.JWTClaimsRegistry(
            leeway=settings.OIDC_CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": provider.issuer},
            sub={"essential": True},
            aud={"essential": True, "value": provider.client_id},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(claims)
    except (JoseError, ValueError, TypeError) as exc:
        logger.warning("oidc: ID token from %s refused (%s)", provider.issuer, type(exc).__name__)
        raise OidcError("id_token_invalid") from exc
    audience = claims.get("aud")
    if isinstance(audience, list) and (
        (len(audience) > 1 and claims.get("azp") != provider.client_id)
        or provider.client_id not in audience
    ):
        raise OidcError("id_token_invalid")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise OidcError("id_token_invalid")
    return claims


# Authentication methods (RFC 8176) that are a factor besides a password.
SECOND_FACTOR_METHODS = frozenset(
    {"mfa", "otp", "hwk", "swk", "sms", "tel", "sc", "pop", "fpt", "face", "iris", "retina", "vbm"}
)


def asserts_second_factor(claims: dict) -> bool:
    """Whether the ID token says the provider asked for more than a password (``amr``)."""
    methods = claims.get("amr")
    return isinstance(methods, list) and any(
        isinstance(method, str) and method in SECOND_FACTOR_METHODS for method in methods
    )


def end_session_url(provider: OidcProvider, *, id_token: str, post_logout_redirect: str) -> str:
    """Where to send the browser to sign out at the provider too, or "" if it cannot."""
    try:
        endpoint = discovery(provider).get("end_session_endpoint")
    except OidcError:
        return ""
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        return ""
    return add_params_to_uri(
        endpoint,
        [
            ("client_id", provider.client_id),
            ("id_token_hint", id_token),
            ("post_logout_redirect_uri", post_logout_redirect),
        ],
    )


def _origin(url) -> str:
    if not isinstance(url, str):
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def sign_in_origins() -> list[str]:
    """Where the sign-in page's address step may redirect to: every approved provider's
    issuer and, where its metadata is cached already, its authorization endpoint (the
    page's ``form-action``; no provider is asked for it)."""
    issuers = list(
        OidcProvider.objects.filter(approved_at__isnull=False).values_list("issuer", flat=True)
    )
    cached = cache.get_many([_cache_key("discovery", issuer) for issuer in issuers])
    origins = [_origin(issuer) for issuer in issuers]
    for metadata in cached.values():
        if isinstance(metadata, dict):
            origins.append(_origin(metadata.get("authorization_endpoint")))
    return [origin for origin in dict.fromkeys(origins) if origin]


def end_session_origin(provider: OidcProvider) -> str:
    """The origin of the provider's end-session endpoint, or "" (for the sign-out form)."""
    try:
        return _origin(discovery(provider).get("end_session_endpoint"))
    except OidcError:
        return ""
