"""Display names of uploaded files, cleaned so that what a member reads is what it is.

The name is only ever shown and offered as the download's name; bytes are
stored by id. Still, a name must not carry path parts, control characters or
direction overrides: ``Rechnung\\u202egpj.exe`` would read as ``Rechnungexe.jpg``.
Removing the override lets the real ending show; runs of white space are
folded so that ``Bericht.pdf                 .exe`` cannot push the ending out
of sight.
"""

import re
import unicodedata

from django.utils.translation import gettext as _

from core.api_parsers import MAX_FILE_NAME_LENGTH, unsafe_file_name
from files.errors import FileRefused

# Unicode categories that never belong in a name: controls, format characters
# (bidirectional overrides and isolates, zero-width joiners), surrogates,
# private use and unassigned code points.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_SPACES = re.compile(r"\s+")


def _refuse(detail: str) -> FileRefused:
    return FileRefused(400, "invalid_name", detail)


def clean_name(raw: str) -> str:
    """The name to show, or ``FileRefused(400, "invalid_name")``.

    Refused: path parts (``../``, ``a/b``, ``C:\\``), names over 255 characters,
    names with nothing left to show. Cleaned: control and format characters
    removed, white space folded, leading dots and trailing dots and spaces removed.
    """
    if not isinstance(raw, str) or not raw:
        raise _refuse(_("Die Datei hat keinen Namen."))
    reason = unsafe_file_name(raw)
    if reason:
        raise _refuse(reason)
    name = unicodedata.normalize("NFC", raw)
    name = "".join(
        " " if unicodedata.category(char).startswith("Z") else char
        for char in name
        if unicodedata.category(char) not in _DROPPED_CATEGORIES or char in "\t\n\r"
    )
    name = _SPACES.sub(" ", name).strip()
    name = name.lstrip(".").rstrip(". ").strip()
    if not name or name in {".", ".."}:
        raise _refuse(_("Der Dateiname enthält nichts Lesbares."))
    return name


def extension_of(name: str) -> str:
    """The real ending, lower case without the dot ("" without one)."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or " " in extension:
        return ""
    return extension.lower()


def with_extension(name: str, extension: str) -> str:
    """The name with the type's ending appended, within the length limit."""
    suffix = f".{extension}"
    return name[: MAX_FILE_NAME_LENGTH - len(suffix)].rstrip(". ") + suffix
