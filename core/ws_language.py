"""The language of a socket's texts: the one its pages are shown in.

A socket has no request for ``LocaleMiddleware`` to look at, but its handshake
carries the same cookie (set by the language switch, ``set_language``) and the
same ``Accept-Language`` header; a client with a token says what it reads in
that header. Without either: the site's default language.
"""

from django.http import HttpRequest
from django.utils import translation


def socket_language(scope) -> str:
    """As ``LocaleMiddleware`` would choose for a page (there are no language prefixes
    in the URLs): the language cookie, then ``Accept-Language``, then ``LANGUAGE_CODE``."""
    request = HttpRequest()
    request.COOKIES = dict(scope.get("cookies") or {})
    for name, value in scope.get("headers", []):
        if name.lower() == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
            break
    return translation.get_language_from_request(request)
