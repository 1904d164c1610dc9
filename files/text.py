"""The text inside PDF, Word (DOCX) and OpenDocument text files, for the forum's search.

Best effort: a document whose text cannot be read is still a valid upload, it
is only not found by its content. Bounded in pages and characters, so a
crafted document cannot keep a worker busy for long.
"""

import logging

import docx
from odf import opendocument, teletype
from odf import text as odf_text
from pypdf import PdfReader

from files import types

logger = logging.getLogger(__name__)

MAX_PAGES = 300
MAX_CHARACTERS = 200_000


def _pdf(path: str) -> str:
    reader = PdfReader(path)
    parts, length = [], 0
    for page in reader.pages[:MAX_PAGES]:
        part = page.extract_text() or ""
        parts.append(part)
        length += len(part)
        if length >= MAX_CHARACTERS:
            break
    return "\n".join(parts)


def _docx(path: str) -> str:
    document = docx.Document(path)
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _odt(path: str) -> str:
    document = opendocument.load(path)
    return "\n".join(
        teletype.extractText(element)
        for kind in (odf_text.H, odf_text.P)
        for element in document.getElementsByType(kind)
    )


_EXTRACTORS = {"application/pdf": _pdf, types.OOXML_WORD: _docx, types.ODF_TEXT: _odt}


def extract_text(path: str, content_type: str) -> str:
    extractor = _EXTRACTORS.get(content_type)
    if extractor is None:
        return ""
    try:
        text = extractor(path)
    except Exception:  # any parser error: the file stays, unsearchable
        logger.warning("no text extracted from a %s upload", content_type, exc_info=True)
        return ""
    text = text.replace("\x00", "")
    return " ".join(text.split())[:MAX_CHARACTERS]
