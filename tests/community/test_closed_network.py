"""The closed network: nothing but sign-in and legal pages without an account."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages a visitor without an account may open (and the admin's own sign-in).
PUBLIC_URL_NAMES = {
    "login",
    "signup",
    "signup_confirm",
    "invitation_accept",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "legal_impressum",
    "legal_datenschutz",
    "legal_barrierefreiheit",
    "set_language",
    "api_token",
    # The way back from the municipality's identity provider: without a sign-in started in
    # this session, only a page saying so (issue 21).
    "oidc_callback",
    "oidc_link",
    "healthz",
    "admin:login",
    "admin:logout",
    # The second step of signing in: only with a password already given in this
    # session (tests/community/test_second_factor.py); POST only.
    "second_factor_signin",
    "second_factor_signin_passkey_options",
    "second_factor_signin_passkey",
    # The installable web app's shell: nothing personal (tests/core/test_webapp.py).
    "webmanifest",
    "service_worker",
    "offline",
    "favicon",
    # A service worker reports a replaced push subscription without a session; only
    # the old subscription's endpoint and secret let it through (test_push_change.py).
    "api_push_subscription_change",
}
SAMPLE_VALUES = {
    "int": "1",
    "slug": "beispiel",
    "str": "beispiel",
    "path": "beispiel",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace + (entry.name or ""), entry


def concrete_path(route: str) -> str:
    """Turn a route ("menschen/<slug:handle>/" or a regex) into a path to request."""
    import re

    route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    route = re.sub(
        r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_VALUES.get(m.group(1) or "str", "beispiel"), route
    )
    route = re.sub(r"\((?:\?:)?[^)]*\)\??", "", route)
    return "/" + route.replace("^", "").replace("$", "").replace("?", "")


ALL_ROUTES = sorted(
    {
        (concrete_path(route), name)
        for route, name, _ in walk(get_resolver())
        if "<format>" not in route  # DRF's ".json" suffix twins of the same views
    }
)
PROTECTED_ROUTES = [
    (path, name)
    for path, name in ALL_ROUTES
    if name not in PUBLIC_URL_NAMES and not path.startswith("/admin/")
]


def test_the_walk_finds_the_platform():
    paths = {path for path, _ in ALL_ROUTES}
    assert {"/", "/menschen/", "/forum/", "/chat/", "/termine/", "/api/members/me/"} <= paths


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), PROTECTED_ROUTES)
def test_every_url_refuses_anonymous_visitors(client, path, name):
    response = client.get(path)
    if path.startswith("/api/"):
        assert response.status_code in (401, 403), (path, response.status_code)
        assert "results" not in response.content.decode()
    else:
        assert response.status_code in (302, 404), (path, response.status_code)
        if response.status_code == 302:
            assert response.url.startswith("/anmelden/") or response.url.startswith(
                "/admin/login/"
            ), response.url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/community/user/", "/admin/community/municipality/1/change/"]
)
def test_the_django_admin_sends_anonymous_visitors_to_a_sign_in_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(("/admin/login/", "/anmelden/"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/anmelden/",
        "/registrieren/",
        "/passwort-vergessen/",
        "/impressum/",
        "/datenschutz/",
        "/barrierefreiheit/",
    ],
)
def test_public_pages_open_without_an_account(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_language_can_be_switched_to_english_before_signing_in(client):
    response = client.post("/sprache/", {"language": "en", "next": "/anmelden/"})
    assert response.status_code == 302
    page = client.get("/anmelden/").content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page
