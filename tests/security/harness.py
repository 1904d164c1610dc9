"""Walking the URL patterns and sending one request per role and method, each rolled back.

Outcome classes (one letter per role, in the order of ``ROLES``):

``O`` allowed (2xx, or a redirect that is not to a sign-in page), ``B`` allowed
but the empty input refused (400), ``L`` sign-in required (redirect to a sign-in
page, 401, or 403 for the anonymous visitor), ``F`` forbidden (403), ``H``
hidden (404: missing and forbidden look the same), ``N`` method not allowed (405),
``X`` anything else (a 500 never belongs in the matrix).
"""

import json

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import clear_cache
from tests.security.world import ROLES

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SIGN_IN_PAGES = ("/anmelden/", "/admin/login/")


def url_patterns(resolver=None, prefix="", namespace=""):
    """(route, name) of every URL pattern, the namespace prefixed to the name."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name or ''}"


def outcome(role: str, response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        return "L" if location.startswith(SIGN_IN_PAGES) else "O"
    if status < 300:
        return "O"
    if status == 400:
        return "B"
    if status == 401 or (status == 403 and role == "anonymous"):
        return "L"
    return {403: "F", 404: "H", 405: "N"}.get(status, "X")


def clients(world) -> dict[str, Client]:
    result = {"anonymous": Client(raise_request_exception=False)}
    for role in ROLES[1:]:
        client = Client(raise_request_exception=False)
        client.force_login(world.users[role])
        result[role] = client
    return result


def send(client: Client, method: str, path: str, data: dict | None = None):
    """One request whose effects are rolled back, the client's cookies restored."""
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)
    try:
        with transaction.atomic():
            if path.startswith("/api/") and method != "GET":
                body = json.dumps(data or {})
                response = client.generic(method, path, body, content_type="application/json")
            elif method == "GET":
                response = client.get(path)
            elif method == "POST":
                response = client.post(path, data or {})
            else:
                response = client.generic(method, path, "", content_type="text/plain")
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    return response


def observe(world, row, methods=METHODS, role_clients=None) -> dict[str, str]:
    """The outcome letters of one matrix row, per method."""
    role_clients = role_clients or clients(world)
    path = row.path(world)
    observed = {}
    for method in methods:
        data = row.body[method](world) if method in row.body else None
        letters = []
        clear_cache()  # rate limits must not mix into the matrix
        for role in ROLES:
            letters.append(outcome(role, send(role_clients[role], method, path, data)))
        observed[method] = "".join(letters)
    return observed
