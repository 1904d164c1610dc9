"""WebSocket authentication, and how long an authenticated socket lives.

Browsers authenticate with the session cookie; clients
that can set headers with ``Authorization: Token <key>``, which, when present,
takes precedence. Either way the socket lives only as long as that credential:
every consumer (``SocketLifetime``) joins the credential's group and the
member's, and closes with 4401 when the session or token row is deleted
(community.signals) or the member is deactivated or erased.
"""

from collections.abc import Callable
from importlib import import_module
from types import SimpleNamespace
from typing import NamedTuple

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie

from core import realtime

CLOSE_NOT_AUTHENTICATED = 4401
#: The scope key naming the token row that authenticated a socket.
TOKEN_SCOPE_KEY = "auth_token_pk"


class _TokenAuth(NamedTuple):
    model: type
    for_key: Callable[[str], object | None]


_token_auth: _TokenAuth | None = None


def register_token_auth(*, model: type, for_key: Callable[[str], object | None]) -> None:
    """Name the model of API tokens and the function that checks a key.

    Core knows no app (issue 17): the app that owns API tokens registers them
    in its ``AppConfig.ready()`` (community). ``for_key(key)`` returns the valid
    token row (with ``user`` and ``pk``) or None. Until something is registered,
    a token authenticates nobody.
    """
    global _token_auth
    _token_auth = _TokenAuth(model, for_key)


def token_model() -> type | None:
    """The model of API tokens (as registered), or None."""
    return _token_auth.model if _token_auth is not None else None


def token_from_headers(headers) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _sep, key = value.decode("latin-1").strip().partition(" ")
            if scheme.lower() == "token" and key.strip():
                return key.strip()
            return ""  # a malformed header authenticates nobody
    return None


class SocketAuthMiddleware:
    """Who a socket is, in one step and one trip to the database.

    What Channels' ``AuthMiddlewareStack`` and two middlewares of ours did in
    five layers: the cookies and the session into the scope, the member from
    the session, or from ``Authorization: Token <key>`` when that header is
    there (it takes precedence; a malformed or unknown key authenticates
    nobody), and nobody when ``refuse(user)`` says so (a member who still
    needs a second factor, community). Each layer copied the scope and stayed
    suspended for the socket's lifetime, and Channels' session layer looked at
    the session on every frame sent: memory per idle socket and time per frame
    with 2,000 sockets in one room (docs/performance.md, issue 22).
    """

    def __init__(self, inner, *, refuse: Callable[[object], bool] | None = None) -> None:
        self.inner = inner
        self.refuse = refuse

    async def __call__(self, scope, receive, send):
        cookies = _cookies(scope)
        store = import_module(settings.SESSION_ENGINE).SessionStore
        scope = dict(scope, cookies=cookies)
        scope["session"] = store(cookies.get(settings.SESSION_COOKIE_NAME))
        key = token_from_headers(scope.get("headers", []))
        user, token_pk = await _socket_user(scope["session"], key, self.refuse)
        scope["user"] = user
        if key is not None:
            scope[TOKEN_SCOPE_KEY] = token_pk
        return await self.inner(scope, receive, send)


def _cookies(scope) -> dict[str, str]:
    """The handshake's cookies, parsed as Django parses a request's."""
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return parse_cookie(value.decode("latin-1"))
    return {}


@database_sync_to_async
def _socket_user(session, key: str | None, refuse) -> tuple[object, int | None]:
    """The member and the token row's pk (None without a token): token first, else session."""
    token_pk = None
    if key is not None:
        token = _token_auth.for_key(key) if key and _token_auth is not None else None
        user, token_pk = (token.user, token.pk) if token is not None else (AnonymousUser(), None)
    else:
        # Django's own check of a session: its backend, and the password hash it was made with.
        user = auth.get_user(SimpleNamespace(session=session))
    if user.is_authenticated and refuse is not None and refuse(user):
        user = AnonymousUser()
    return user, token_pk


def _session_key(scope) -> str | None:
    session = scope.get("session")
    return getattr(session, "session_key", None) if session is not None else None


def credential_group(scope) -> str | None:
    """The group of the credential that authenticated this socket: its token, else its session."""
    if TOKEN_SCOPE_KEY in scope:
        token_pk = scope[TOKEN_SCOPE_KEY]
        return realtime.credential_group("token", token_pk) if token_pk is not None else None
    key = _session_key(scope)
    return realtime.credential_group("session", key) if key else None


def still_signed_in(scope, user) -> bool:
    """Whether the credential that opened this socket still exists and its member is
    active (database; asked after joining the groups, so that an ending in between
    is noticed either here or by the group's event)."""
    if TOKEN_SCOPE_KEY in scope:
        token_pk = scope[TOKEN_SCOPE_KEY]
        model = token_model()
        return (
            token_pk is not None
            and model is not None
            and model.objects.filter(pk=token_pk, user_id=user.pk, user__is_active=True).exists()
        )
    key = _session_key(scope)
    if not key or not scope["session"].exists(key):
        return False
    return get_user_model().objects.filter(pk=user.pk, is_active=True).exists()


class SocketLifetime:
    """For every consumer: refuse so that clients see the code, and end with the credential.

    A close before ``accept()`` reaches a client through daphne as an HTTP 403 at
    the handshake (the browser sees 1006 and its page retries for ever), so a
    refusal accepts first and closes at once with the contract's code.
    """

    closing = False
    lifetime_groups: tuple[str, ...] = ()

    def authenticated_user(self):
        user = self.scope.get("user")
        return user if user is not None and user.is_authenticated else None

    async def refuse(self, code: int) -> None:
        await self.leave_lifetime()
        await self.accept()
        await self.close(code=code)

    async def close(self, code=None, reason=None):
        """Once: the first reason to close wins (signed out before the room was lost)."""
        if self.closing:
            return
        self.closing = True
        await super().close(code=code, reason=reason)

    async def websocket_receive(self, message):
        if self.closing:
            return  # frames already on their way when the socket was closed
        await super().websocket_receive(message)

    async def join_lifetime(self, user) -> None:
        """Join the groups whose ``socket.ended`` closes this socket; check
        ``still_signed_in`` after this returns."""
        groups = [realtime.member_sockets_group(user.pk)]
        credential = credential_group(self.scope)
        if credential is not None:
            groups.append(credential)
        self.lifetime_groups = tuple(groups)
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def leave_lifetime(self) -> None:
        groups, self.lifetime_groups = self.lifetime_groups, ()
        for group in groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def socket_ended(self, event) -> None:
        """Logged out, password changed, token revoked, deactivated or erased."""
        await self.close(code=CLOSE_NOT_AUTHENTICATED)

    async def socket_recheck(self, event) -> None:
        """The member's role or municipality changed; sockets that watch something
        only some members may see check again (override)."""
