"""WebSocket authentication by ``Authorization: Token <key>`` for clients that can set headers.

Browsers authenticate with the session cookie (AuthMiddlewareStack); a token,
when present, takes precedence.
"""

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _user_for_token(key: str):
    from community.authentication import api_token_for_key

    token = api_token_for_key(key)  # hashed, expiring tokens, as the REST API checks them
    if token is None:
        return AnonymousUser()
    return token.user


def token_from_headers(headers) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _sep, key = value.decode("latin-1").strip().partition(" ")
            if scheme.lower() == "token" and key.strip():
                return key.strip()
            return ""  # a malformed header authenticates nobody
    return None


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        key = token_from_headers(scope.get("headers", []))
        if key is not None:
            scope = dict(scope)
            scope["user"] = await _user_for_token(key) if key else AnonymousUser()
        return await super().__call__(scope, receive, send)
