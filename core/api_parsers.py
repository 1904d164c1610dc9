"""The API's body parsers: DRF's, refusing NUL characters and deep nesting.

PostgreSQL text cannot hold NUL (0x00); a field that looks a value up before it
is validated (``SlugRelatedField``) would otherwise hand one to the database
and answer 500. No value of this API is meant to contain one, so the whole
body is refused with a 400 before any field sees it.

No body of this API nests deeper than a few levels; Python's JSON decoder
raises ``RecursionError`` on thousands of ``[`` (a 500), and anything walking a
deep structure afterwards would too. Past ``MAX_DEPTH`` the body is a 400.

A multipart file's name with a path (``../``, ``C:\\``) or of more than 255
characters is refused with a 400 that says so, where Django would quietly cut
it down to something else (``files.names`` cleans what is left).
"""

import html

from django.conf import settings
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles

MAX_DEPTH = 32


class _TooDeep(Exception):
    pass


def _holds_nul(data, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        raise _TooDeep
    if isinstance(data, str):
        return "\x00" in data
    if hasattr(data, "lists"):  # a form body's QueryDict: every value of a key, not the last
        return any(_holds_nul(k) or _holds_nul(v) for k, v in data.lists())
    if isinstance(data, dict):
        return any(_holds_nul(k) or _holds_nul(v, depth + 1) for k, v in data.items())
    if isinstance(data, list | tuple):
        return any(_holds_nul(item, depth + 1) for item in data)
    return False


def _too_deep() -> ParseError:
    return ParseError(_("Die Daten sind zu tief verschachtelt."), code="too_deep")


class _RefusesNul:
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            parsed = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        data = getattr(parsed, "data", parsed)  # multipart: DataAndFiles
        try:
            holds_nul = _holds_nul(data)
        except _TooDeep:
            raise _too_deep() from None
        if holds_nul:
            raise ParseError(_("Der Text enthält ein unzulässiges Nullzeichen."))
        return parsed


class JSONParser(_RefusesNul, parsers.JSONParser):
    pass


class FormParser(_RefusesNul, parsers.FormParser):
    pass


MAX_FILE_NAME_LENGTH = 255


def unsafe_file_name(raw: str) -> str | None:
    """Why a file's name is refused (a path, too long), or ``None``."""
    if len(raw) > MAX_FILE_NAME_LENGTH:
        return _("Der Dateiname ist zu lang (höchstens %(count)d Zeichen).") % {
            "count": MAX_FILE_NAME_LENGTH
        }
    if "/" in raw or "\\" in raw:
        return _("Der Dateiname darf keine Pfadangaben (/ oder \\) enthalten.")
    return None


class UnsafeFileName(MultiPartParserError):
    pass


class _NameCheckingMultiPartParser(DjangoMultiPartParser):
    def sanitize_file_name(self, file_name):
        reason = unsafe_file_name(html.unescape(file_name))
        if reason:
            raise UnsafeFileName(reason)
        return super().sanitize_file_name(file_name)


class _NameCheckingParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        """DRF's, with Django's parser checking file names (DRF names its class inside)."""
        request = parser_context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            parser = _NameCheckingMultiPartParser(meta, stream, request.upload_handlers, encoding)
            data, files = parser.parse()
        except UnsafeFileName as error:
            raise ParseError(str(error), code="invalid_name") from None
        except MultiPartParserError as error:
            raise ParseError(
                _("Die Anfrage ist ungültig: %(reason)s") % {"reason": error}
            ) from None
        return DataAndFiles(data, files)


class MultiPartParser(_RefusesNul, _NameCheckingParser):
    pass
