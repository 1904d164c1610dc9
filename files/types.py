"""Which content the platform accepts, decided from the bytes (libmagic), never the name.

An allow-list: images the browsers show (PNG, JPEG, GIF, WebP), PDF, the
Office Open XML and OpenDocument formats of text, spreadsheet and
presentation, and plain text (also CSV and Markdown). Refused, among everything
else: executables and scripts, HTML, SVG and XML (a browser would run their
scripts), plain ZIP archives and the old binary Office formats (whose content
and macros cannot be checked), macro-enabled Office files.

Office files are ZIP archives; libmagic does not always recognise them, so the
archive's own table decides (``[Content_Types].xml`` and the main part, or
OpenDocument's ``mimetype`` entry), after a check that unpacking it stays small.
"""

import zipfile
from dataclasses import dataclass

import magic

# Bytes libmagic reads; enough for every type of the allow-list.
SNIFF_BYTES = 256 * 1024

OOXML_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OOXML_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OOXML_SLIDES = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF_TEXT = "application/vnd.oasis.opendocument.text"
ODF_SHEET = "application/vnd.oasis.opendocument.spreadsheet"
ODF_SLIDES = "application/vnd.oasis.opendocument.presentation"

# Accepted type -> the endings its name may have (the first is appended to a name without one).
ALLOWED: dict[str, tuple[str, ...]] = {
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg", "jpe", "jfif"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "application/pdf": ("pdf",),
    OOXML_WORD: ("docx",),
    OOXML_SHEET: ("xlsx",),
    OOXML_SLIDES: ("pptx",),
    ODF_TEXT: ("odt",),
    ODF_SHEET: ("ods",),
    ODF_SLIDES: ("odp",),
    "text/plain": ("txt", "csv", "md", "text", "log", "tsv"),
}
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
TEXT_EXTRACTED = frozenset({"application/pdf", OOXML_WORD, ODF_TEXT})
# What libmagic may say for plain text.
_TEXT_TYPES = frozenset({"text/plain", "text/csv", "text/markdown", "text/tab-separated-values"})
_ZIP_TYPES = frozenset(
    {"application/zip", "application/octet-stream", "application/x-zip-compressed"}
)

_OOXML_MAIN_PARTS = {
    "word/document.xml": OOXML_WORD,
    "xl/workbook.xml": OOXML_SHEET,
    "ppt/presentation.xml": OOXML_SLIDES,
}
_ODF_MIMETYPES = {ODF_TEXT, ODF_SHEET, ODF_SLIDES}

# Limits on an Office archive, checked from its table before anything unpacks it.
MAX_ARCHIVE_ENTRIES = 5000
MAX_ARCHIVE_UNPACKED = 200 * 1024 * 1024
MAX_ARCHIVE_RATIO = 200


@dataclass(frozen=True)
class Detected:
    """What the content is: an accepted type, or ``None`` with what libmagic saw."""

    content_type: str | None
    seen: str


class ArchiveTooLarge(Exception):
    """An Office archive that would unpack into far more than it weighs (a zip bomb)."""


def _office_type(path: str) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ARCHIVE_ENTRIES:
                raise ArchiveTooLarge
            packed = sum(entry.compress_size for entry in entries) or 1
            unpacked = sum(entry.file_size for entry in entries)
            if unpacked > MAX_ARCHIVE_UNPACKED or unpacked / packed > MAX_ARCHIVE_RATIO:
                raise ArchiveTooLarge
            names = {entry.filename for entry in entries}
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # macros
            if "mimetype" in names and entries[0].filename == "mimetype":
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return mimetype if mimetype in _ODF_MIMETYPES else None
            if "[Content_Types].xml" in names:
                found = {ctype for part, ctype in _OOXML_MAIN_PARTS.items() if part in names}
                if len(found) == 1:
                    content_types = archive.read("[Content_Types].xml")
                    if b"macroEnabled" in content_types:
                        return None
                    return found.pop()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, KeyError):
        return None
    return None


def detect(path: str) -> Detected:
    """The accepted type of the file at ``path`` or ``None`` (raises ``ArchiveTooLarge``)."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    seen = magic.from_buffer(head, mime=True) or "application/octet-stream"
    if seen in IMAGE_TYPES or seen == "application/pdf":
        return Detected(seen, seen)
    if seen in _TEXT_TYPES:
        return Detected("text/plain", seen)
    if seen.startswith(("application/vnd.openxmlformats", "application/vnd.oasis")) or (
        seen in _ZIP_TYPES and head.startswith(b"PK\x03\x04")
    ):
        return Detected(_office_type(path), seen)
    return Detected(None, seen)
