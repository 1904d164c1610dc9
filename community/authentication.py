"""API tokens: ``Authorization: Token <key>`` checked against stored hashes.

A member holds any number of tokens (community.models.ApiToken); each records
when it was last used, at most once a minute (one UPDATE, not one per request),
and expires after ``API_TOKEN_IDLE_DAYS`` without use. The rate limits
(config/middleware.py) and the WebSocket (core/ws_auth.py) resolve a
token with the same function, so a key means the same member everywhere,
however its header is spaced.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header

from community.models import ApiToken
from core.tokens import hash_token

LAST_USED_RESOLUTION = timedelta(minutes=1)
_CACHE_ATTRIBUTE = "_lotsennetz_api_token"


def idle_cutoff():
    """Tokens last used before this moment have expired (None: tokens never expire)."""
    days = settings.API_TOKEN_IDLE_DAYS
    return timezone.now() - timedelta(days=days) if days else None


def api_token_for_key(key: str):
    """The valid token for ``key`` with its member, or None; an expired token is deleted."""
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(key)).first()
    if token is None:
        return None
    cutoff = idle_cutoff()
    if cutoff is not None and token.last_used_at < cutoff:
        token.delete()
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def key_from_authorization(header: bytes) -> str | None:
    """The key of a ``Token <key>`` header as DRF parses it; None for anything else."""
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != b"token":
        return None
    try:
        return parts[1].decode()
    except UnicodeError:
        return None


def request_token(request):
    """The valid API token of a Django request's Authorization header, looked up once."""
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    key = key_from_authorization(get_authorization_header(request))
    if cached is not None and cached[0] == key:
        return cached[1]
    token = api_token_for_key(key) if key else None
    setattr(request, _CACHE_ATTRIBUTE, (key, token))
    return token


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's token scheme (same header, same 401 answers) over hashed, expiring tokens."""

    def authenticate(self, request):
        self._http_request = getattr(request, "_request", request)
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        # DRF parsed ``key`` from the same header: request_token reuses the lookup
        # the rate limit may have made already.
        token = request_token(self._http_request)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Ungültiger oder abgelaufener Token."))
        return (token.user, token)
