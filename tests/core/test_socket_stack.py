"""Who a socket is: one layer, one trip to the database (issue 22).

The attacks are those of tests/security/test_socket_lifetime.py and
tests/community/test_second_factor*.py; here the layer itself."""

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from community import services
from core.ws_auth import TOKEN_SCOPE_KEY, SocketAuthMiddleware
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


async def _through(headers, refuse=None):
    seen = {}

    async def inner(scope, receive, send):
        seen["send"], seen["scope"] = send, scope

    async def server_send(message):
        pass

    async def receive():
        return {}

    scope = {"type": "websocket", "path": "/ws/x/", "headers": headers}
    await SocketAuthMiddleware(inner, refuse=refuse)(scope, receive, server_send)
    assert seen["send"] is server_send  # every frame straight to the server, unwrapped
    return seen["scope"]


def _session_cookie(member) -> tuple[bytes, bytes]:
    browser = Client()
    assert browser.login(username=member.email, password=PASSWORD)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}; django_language=en".encode())


async def test_a_session_cookie_names_its_member_and_the_session(member):
    cookie = await sync_to_async(_session_cookie)(member)
    scope = await _through([cookie])
    assert scope["user"].pk == member.pk
    assert scope["session"].session_key
    assert scope["cookies"]["django_language"] == "en"
    assert TOKEN_SCOPE_KEY not in scope


async def test_without_a_credential_nobody(db):
    scope = await _through([(b"cookie", f"{settings.SESSION_COOKIE_NAME}=unknown".encode())])
    assert not scope["user"].is_authenticated
    assert scope["session"].session_key is None or not await sync_to_async(scope["session"].exists)(
        scope["session"].session_key
    )


async def test_a_token_takes_precedence_over_the_session(member, make_member):
    other = await sync_to_async(make_member)(display_name="Andere")
    key = await sync_to_async(services.member_token)(member=other)
    cookie = await sync_to_async(_session_cookie)(member)
    scope = await _through([cookie, (b"authorization", f"Token {key}".encode())])
    assert scope["user"].pk == other.pk
    assert scope[TOKEN_SCOPE_KEY] is not None


@pytest.mark.parametrize("header", [b"Token ", b"Token nope", b"Bearer x", b"Token"])
async def test_a_malformed_or_unknown_token_authenticates_nobody_even_with_a_session(
    member, header
):
    cookie = await sync_to_async(_session_cookie)(member)
    scope = await _through([cookie, (b"authorization", header)])
    assert not scope["user"].is_authenticated
    assert scope[TOKEN_SCOPE_KEY] is None


async def test_a_member_the_refusal_names_is_nobody(member):
    key = await sync_to_async(services.member_token)(member=member)
    scope = await _through(
        [(b"authorization", f"Token {key}".encode())], refuse=lambda user: user.pk == member.pk
    )
    assert not scope["user"].is_authenticated
