"""Sign-in throttling that a city hall behind one NAT address can live with.

Failures count per account; per address only at flood level. Successful
sign-ins never count, so 200 colleagues arriving at nine o'clock from one
address are never slowed down. A lockout lasts at most
``SIGNIN_LOCKOUT_SECONDS`` after the first failure of its window, and a password
reset (proof of the mailbox) lifts it at once.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"signin:{kind}:{digest}"


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _increment(key: str) -> None:
    # add() sets the window only once; incr() keeps it.
    cache.add(key, 0, timeout=settings.SIGNIN_LOCKOUT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=settings.SIGNIN_LOCKOUT_SECONDS)


def signin_blocked(*, email: str, address: str | None) -> bool:
    if _count(_key("account", email)) >= settings.SIGNIN_FAILURES_PER_ACCOUNT:
        return True
    return (
        bool(address) and _count(_key("address", address)) >= settings.SIGNIN_FAILURES_PER_ADDRESS
    )


def signin_failed(*, email: str, address: str | None) -> None:
    _increment(_key("account", email))
    if address:
        _increment(_key("address", address))


def signin_reset(*, email: str) -> None:
    cache.delete(_key("account", email))


def client_address(request) -> str | None:
    """The client's address; behind nginx the first X-Forwarded-For entry."""
    if settings.USE_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")
