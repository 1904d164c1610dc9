"""Sign-in throttling that a city hall behind one NAT address can live with.

Failures count per account; per address only at flood level. Successful
sign-ins never count, so 200 colleagues arriving at nine o'clock from one
address are never slowed down. A lockout lasts at most
``SIGNIN_LOCKOUT_SECONDS`` after the first failure of its window, and a password
reset (proof of the mailbox) lifts it at once.

Device cookies (OWASP, "Slow down online guessing attacks with device
cookies"): a browser that signed in to an account successfully gets a signed
cookie naming that account. Such a browser is judged by its own failures only:
the lockouts that strangers' failures cause (per account, per address) do not
apply to it, so nobody can lock the owner out of their own account by guessing
wrong on purpose. A stolen or guessing device cookie locks only itself.

``rate_limited`` is the plain fixed-window counter behind the other limits
(sign-up, password reset, posting; see config/middleware.py).
"""

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from core.addresses import canonical_email

DEVICE_COOKIE = "lotsennetz_device"
DEVICE_COOKIE_MAX_AGE = 60 * 60 * 24 * 365
DEVICE_SALT = "core.throttling.device"
DEVICE_ACCOUNTS = 10  # a shared office computer remembers this many accounts


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _account(email: str) -> str:
    """The digest of an account: its canonical address, so every spelling counts as one."""
    return _digest(canonical_email(email or ""))


def _key(kind: str, value: str) -> str:
    return f"signin:{kind}:{_digest(value)}"


def _account_key(email: str) -> str:
    return f"signin:account:{_account(email)}"


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _increment(key: str, timeout: int | None = None) -> int:
    timeout = timeout or settings.SIGNIN_LOCKOUT_SECONDS
    # add() sets the window only once; incr() keeps it.
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=timeout)
        return 1


# --- device cookies ----------------------------------------------------------------
def _device_entries(cookie: str | None) -> list[list[str]]:
    if not cookie:
        return []
    try:
        entries = signing.loads(cookie, salt=DEVICE_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, list) and len(e) == 2]


def trusted_device(*, email: str, cookie: str | None) -> str | None:
    """The device's nonce if its cookie proves an earlier sign-in to this account."""
    account = _account(email)
    for digest, nonce in _device_entries(cookie):
        if digest == account and isinstance(nonce, str):
            return nonce
    return None


def device_cookie_value(*, email: str, cookie: str | None) -> str:
    """The cookie after a successful sign-in: this account (with a fresh nonce) added."""
    account = _account(email)
    entries = [e for e in _device_entries(cookie) if e[0] != account]
    entries = [*entries[-(DEVICE_ACCOUNTS - 1) :], [account, secrets.token_urlsafe(16)]]
    return signing.dumps(entries, salt=DEVICE_SALT, compress=True)


def set_device_cookie(response, *, request, email: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        device_cookie_value(email=email, cookie=request.COOKIES.get(DEVICE_COOKIE)),
        max_age=DEVICE_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- sign-in --------------------------------------------------------------------------
def signin_blocked(*, email: str, address: str | None, device: str | None = None) -> bool:
    if device:
        return _count(_key("device", device)) >= settings.SIGNIN_FAILURES_PER_ACCOUNT
    if _count(_account_key(email)) >= settings.SIGNIN_FAILURES_PER_ACCOUNT:
        return True
    return (
        bool(address) and _count(_key("address", address)) >= settings.SIGNIN_FAILURES_PER_ADDRESS
    )


def signin_failed(*, email: str, address: str | None, device: str | None = None) -> None:
    if device:
        _increment(_key("device", device))
    else:
        _increment(_account_key(email))
    if address:
        _increment(_key("address", address))


def signin_reset(*, email: str, device: str | None = None) -> None:
    cache.delete(_account_key(email))
    if device:
        cache.delete(_key("device", device))


def client_address(request) -> str | None:
    """The client's address; behind nginx the first X-Forwarded-For entry."""
    if settings.USE_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


# --- other rate limits ------------------------------------------------------------------
def rate_limited(*, scope: str, identity: str, limit: int, window: int) -> bool:
    """Count one more request of ``identity`` in ``scope``; True once over ``limit``."""
    return _increment(f"rate:{scope}:{_digest(identity)}", timeout=window) > limit
