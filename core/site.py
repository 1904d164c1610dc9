"""The platform's own address, for links that leave the page.

Links in e-mails, calendar files and the calendar feed address must name the
address the platform is actually served at. ``make run PORT=8123`` serves at
``http://127.0.0.1:8123``, a server behind nginx at its public name; nobody
should have to say so twice. So, in this order:

1. ``SITE_URL`` set explicitly in the environment: the operator's word wins
   (``settings.SITE_URL_EXPLICIT``).
2. During a request: its scheme and host. ``request.get_host()`` checks the
   host against ``ALLOWED_HOSTS``, so a forged ``Host`` header never reaches a
   link (Django refuses the request with 400 first).
3. Outside a request (cron: the digest, reminders; a WebSocket consumer): the
   address of the last request any process served, kept in the cache (shared
   through Redis), else the configured default.
"""

import logging
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost

logger = logging.getLogger(__name__)

CACHE_KEY = "core:site_url"
_current: ContextVar[str | None] = ContextVar("lotsennetz_site_url", default=None)
_remembered: str | None = None  # what this process last put in the cache


def site_url() -> str:
    """The base address for absolute links, without a trailing slash."""
    if settings.SITE_URL_EXPLICIT:
        return settings.SITE_URL
    current = _current.get()
    if current:
        return current
    try:
        return cache.get(CACHE_KEY) or settings.SITE_URL
    except Exception:  # the cache (Redis) is away: the configured address still works
        logger.warning("site address not readable from the cache", exc_info=True)
        return settings.SITE_URL


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse`` or ``get_absolute_url``) as an absolute address."""
    return site_url() + path


def request_base(request) -> str | None:
    """``scheme://host`` of a request, or None if the host is not allowed."""
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return None


def _remember(base: str) -> None:
    global _remembered
    if base == _remembered:
        return
    try:
        cache.set(CACHE_KEY, base, None)
    except Exception:  # best effort: the next request tries again
        logger.warning("site address not stored in the cache", exc_info=True)
        return
    _remembered = base


class SiteUrlMiddleware:
    """Makes the request's own address the base of every link built while it runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        base = request_base(request)
        if base is None:  # CommonMiddleware answers 400 for the host
            return self.get_response(request)
        _remember(base)
        token = _current.set(base)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
