"""An ASGI wrapper that refuses oversized request bodies before Django reads them.

An announced ``Content-Length`` above the limit is answered with 413 at once,
without reading a byte of the body; a body sent without announcing its length
(chunked) is cut off where it passes the limit, and answered the same way.
The limit is ``FILES_MAX_BYTES`` plus room for the multipart envelope: no
request of the platform is larger than one file.
"""

import json

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

ENVELOPE_BYTES = 64 * 1024


def body_limit() -> int:
    return settings.FILES_MAX_BYTES + ENVELOPE_BYTES


def _announced_length(scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _language(scope) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == b"accept-language" and value.lower().startswith(b"en"):
            return "en"
    return settings.LANGUAGE_CODE


async def _send_too_large(send, scope) -> None:
    with translation.override(_language(scope)):
        detail = _("Die Datei ist zu groß (höchstens %(mb)s MB).") % {
            "mb": f"{settings.FILES_MAX_BYTES / (1024 * 1024):.0f}"
        }
    body = json.dumps({"detail": detail, "code": "too_large"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit()
        announced = _announced_length(scope)
        if announced is not None and announced > limit:
            return await _send_too_large(send, scope)
        received = 0
        cut_off = False
        started = False

        async def limited_receive():
            nonlocal received, cut_off
            if cut_off:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut_off = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, watched_send)
        if cut_off and not started:
            await _send_too_large(send, scope)
