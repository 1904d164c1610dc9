"""The API's body parsers: DRF's, refusing NUL characters in any text.

PostgreSQL text cannot hold NUL (0x00); a field that looks a value up before it
is validated (``SlugRelatedField``) would otherwise hand one to the database
and answer 500. No value of this API is meant to contain one, so the whole
body is refused with a 400 before any field sees it.
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _holds_nul(data) -> bool:
    if isinstance(data, str):
        return "\x00" in data
    if hasattr(data, "lists"):  # a form body's QueryDict: every value of a key, not the last
        return any(_holds_nul(k) or _holds_nul(v) for k, v in data.lists())
    if isinstance(data, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in data.items())
    if isinstance(data, list | tuple):
        return any(_holds_nul(item) for item in data)
    return False


class _RefusesNul:
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        data = getattr(parsed, "data", parsed)  # multipart: DataAndFiles
        if _holds_nul(data):
            raise ParseError(_("Der Text enthält ein unzulässiges Nullzeichen."))
        return parsed


class JSONParser(_RefusesNul, parsers.JSONParser):
    pass


class FormParser(_RefusesNul, parsers.FormParser):
    pass


class MultiPartParser(_RefusesNul, parsers.MultiPartParser):
    pass
