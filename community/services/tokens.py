"""API tokens of members: issue (only the hash is stored) and revoke."""

import secrets

from django.db import transaction

from community.authentication import idle_cutoff
from community.models import (
    ApiToken,
    User,
)
from core.tokens import hash_token

API_TOKENS_PER_MEMBER = 50
API_TOKEN_LABEL_LENGTH = 100


@transaction.atomic
def member_token(*, member: User, label: str = "", second_factor: bool = False) -> str:
    """A new API token for the member; only its hash is stored, the key is shown once.

    A member keeps at most ``API_TOKENS_PER_MEMBER`` tokens (the least recently
    used go first), and expired tokens are cleared on the way.
    """
    key = secrets.token_hex(20)
    ApiToken.objects.create(
        user=member,
        key_hash=hash_token(key),
        label=(label or "").strip()[:API_TOKEN_LABEL_LENGTH],
        second_factor=second_factor,
    )
    tokens = ApiToken.objects.filter(user=member)
    cutoff = idle_cutoff()
    if cutoff is not None:
        tokens.filter(last_used_at__lt=cutoff).delete()
    surplus = list(
        tokens.order_by("-last_used_at", "-pk").values_list("pk", flat=True)[API_TOKENS_PER_MEMBER:]
    )
    if surplus:
        ApiToken.objects.filter(pk__in=surplus).delete()
    return key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    """Revoke one token: the row goes, and with it every client that used it."""
    token.delete()
