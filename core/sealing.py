"""Secrets kept at rest so that a database dump alone is not enough to use them.

``seal``/``unseal``: Fernet (cryptography) with a key derived from SECRET_KEY by
HKDF, one key per purpose; keys from SECRET_KEY_FALLBACKS still open what they
sealed, so the operator can rotate the key (re-sealed on the next write).
``keyed_digest``: an HMAC-SHA256 keyed by SECRET_KEY, for one-time codes that are
only ever compared, never read back.

Whoever replaces SECRET_KEY without keeping the old one in SECRET_KEY_FALLBACKS
makes every sealed secret unreadable (members then sign in with a recovery code
or ask an administrator to remove their second factor).
"""

import base64
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.crypto import salted_hmac


class Unreadable(Exception):
    """The sealed value was sealed with a key that is no longer configured, or altered."""


def _keys() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _fernet_key(secret: str, purpose: str) -> bytes:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"lotsennetz.sealing", info=purpose.encode()
    ).derive(secret.encode())
    return base64.urlsafe_b64encode(derived)


def _fernet(purpose: str) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(secret, purpose)) for secret in _keys()])


def seal(value: str, *, purpose: str) -> str:
    return _fernet(purpose).encrypt(value.encode()).decode()


def unseal(token: str, *, purpose: str) -> str:
    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise Unreadable(purpose) from exc


def keyed_digests(value: str, *, purpose: str) -> list[str]:
    """The digest under the current key first, then under each fallback key."""
    return [
        salted_hmac(purpose, value, secret=secret, algorithm="sha256").hexdigest()
        for secret in _keys()
    ]


def keyed_digest(value: str, *, purpose: str) -> str:
    return keyed_digests(value, purpose=purpose)[0]


def digests_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
