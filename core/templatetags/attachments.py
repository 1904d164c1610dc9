"""Attached files on a page: the list (pictures as thumbnails, other files with
type and size) and the upload widget of a form.

Duck-typed on purpose: a file is anything with ``id``, ``name``, ``size``,
``content_type``, ``url`` and ``thumbnail_url`` (files.StoredFile, or the API's
file object as a dict), so core stays below the app that stores files. The
texts the browser scripts need (static/js/uploads.js) come from here too, so the
page and a message that arrives live describe a file in the same words.
"""

import json

from django import template
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

register = template.Library()

# What a member sees as the type of a file, by its (server-decided) content type.
KINDS = {
    "application/pdf": _("PDF-Dokument"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _("Word-Dokument"),
    "application/vnd.oasis.opendocument.text": _("OpenDocument-Text"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _("Excel-Tabelle"),
    "application/vnd.oasis.opendocument.spreadsheet": _("OpenDocument-Tabelle"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _(
        "PowerPoint-Präsentation"
    ),
    "application/vnd.oasis.opendocument.presentation": _("OpenDocument-Präsentation"),
    "text/plain": _("Textdatei"),
    "text/csv": _("CSV-Tabelle"),
    "image/png": _("PNG-Bild"),
    "image/jpeg": _("JPEG-Bild"),
    "image/gif": _("GIF-Bild"),
    "image/webp": _("WebP-Bild"),
}
OTHER_KIND = _("Datei")
# Sizes as the scripts write them too: 1024 steps, one decimal from KB on.
UNITS = [
    (1024**3, _("%(size)s GB")),
    (1024**2, _("%(size)s MB")),
    (1024, _("%(size)s KB")),
]
BYTES = _("%(size)s Byte")


# A stored file names its addresses by methods, the API's file object by keys.
METHODS = {"url": "get_absolute_url", "thumbnail_url": "get_thumbnail_url"}


def _get(file, name):
    if isinstance(file, dict):
        return file.get(name)
    if name in METHODS and hasattr(file, METHODS[name]):
        return getattr(file, METHODS[name])()
    return getattr(file, name, None)


@register.filter
def file_url(file) -> str:
    """Where the file is downloaded (``/dateien/<id>/<name>``)."""
    return _get(file, "url") or ""


@register.filter
def thumbnail_url(file) -> str:
    """The thumbnail of a picture; empty for other files."""
    return _get(file, "thumbnail_url") or ""


@register.filter
def file_kind(file) -> str:
    """'PDF-Dokument', 'PNG-Bild' …; 'Datei' for a type without a name of its own."""
    return str(KINDS.get(_get(file, "content_type") or "", OTHER_KIND))


@register.filter
def human_size(size) -> str:
    """1 536 -> '1,5 KB' (in the page's language), as uploads.js writes it."""
    try:
        size = int(size)
    except (TypeError, ValueError):
        return ""
    for factor, text in UNITS:
        if size >= factor:
            return str(text) % {"size": number_format(size / factor, 1)}
    return str(BYTES) % {"size": size}


@register.filter
def split_images(files):
    """(pictures, other files): pictures have a thumbnail and are shown inline."""
    images, others = [], []
    for file in files or ():
        (images if _get(file, "thumbnail_url") else others).append(file)
    return images, others


def display_texts() -> dict:
    """What uploads.js needs to show a file like includes/attachments.html does."""
    return {
        "kinds": {key: str(value) for key, value in KINDS.items()},
        "otherKind": str(OTHER_KIND),
        "units": {
            "gb": str(UNITS[0][1]),
            "mb": str(UNITS[1][1]),
            "kb": str(UNITS[2][1]),
            "b": str(BYTES),
        },
        "attachments": gettext("Anhänge"),
        "images": gettext("Bilder"),
        "files": gettext("Dateien"),
        "openImage": gettext("%(name)s in voller Größe öffnen"),
        "fileMeta": gettext("%(kind)s, %(size)s"),
        "attachmentOnly": gettext("Anhang: %(names)s"),
    }


@register.simple_tag
def attachment_texts() -> dict:
    """For a json_script on pages whose scripts render files (the chat)."""
    return display_texts()


def upload_texts() -> dict:
    texts = display_texts()
    texts.update(
        {
            "uploading": gettext("%(name)s wird hochgeladen …"),
            "uploaded": gettext("%(name)s ist hochgeladen."),
            "cancelled": gettext("Das Hochladen von %(name)s ist abgebrochen."),
            "removed": gettext("%(name)s ist entfernt."),
            "inserted": gettext("Das Bild %(name)s steht jetzt im Text."),
            "refused": gettext("%(name)s wurde nicht angenommen: %(reason)s"),
            "refusedStatus": gettext("Der Server hat die Datei abgelehnt (Fehler %(status)s)."),
            "network": gettext(
                "Die Verbindung ist unterbrochen. Bitte versuchen Sie es noch einmal."
            ),
            "tooLarge": gettext("%(name)s ist zu groß: höchstens %(max)s je Datei."),
            "tooMany": gettext("Höchstens %(count)s Dateien sind möglich."),
            "busy": gettext("Bitte warten Sie, bis alle Dateien hochgeladen sind."),
            "progress": gettext("Fortschritt beim Hochladen von %(name)s"),
            "cancel": gettext("Abbrechen"),
            "cancelFor": gettext("Hochladen von %(name)s abbrechen"),
            "remove": gettext("Entfernen"),
            "removeFor": gettext("%(name)s entfernen"),
            "insert": gettext("In den Text einfügen"),
            "insertFor": gettext("Bild %(name)s in den Text einfügen"),
            "pastedName": gettext("Eingefügtes Bild"),
            "dropHere": gettext("Zum Anhängen hier loslassen"),
        }
    )
    return texts


def max_bytes() -> int:
    return settings.FILES_MAX_BYTES


def max_files() -> int:
    return settings.FILES_PER_OBJECT


@register.inclusion_tag("includes/attachments_field.html")
def attachments_field(
    files=None, *, field=None, name="attachments", label=None, insert=True, accept=""
):
    """The upload widget of a form: the files already attached, a picker, drop and paste.

    ``files``: the file objects to show at once (an edit: the object's files).
    ``field``: the form's bound attachments field; of ``files`` only those it
    still holds are shown (a form shown again after an error), and its hidden
    inputs carry the ids. ``insert``: images get a button that places them in
    the form's text as Markdown.
    """
    files = list(files or ())
    if hasattr(field, "value"):  # a form without the field gives "" here
        value = field.value() or []
        kept = {str(item) for item in ([value] if isinstance(value, str) else value)}
        files = [file for file in files if str(_get(file, "id")) in kept]
    return {
        "files": files,
        "name": name,
        "label": label or gettext("Dateien anhängen"),
        "insert": insert,
        "accept": accept,
        "max_bytes": max_bytes(),
        "max_files": max_files(),
        "texts": json.dumps(upload_texts()),
    }


@register.simple_tag
def photo_editor_texts() -> str:
    """The texts of static/js/photo.js (the profile photo), as JSON for a data attribute."""
    return json.dumps(
        {
            "chosen": gettext(
                "Das Bild ist geladen. Wählen Sie den Ausschnitt und speichern Sie ihn."
            ),
            "saving": gettext("Das Foto wird gespeichert …"),
            "saved": gettext("Ihr Foto ist gespeichert."),
            "removed": gettext("Ihr Foto ist entfernt. Es erscheinen wieder Ihre Initialen."),
            "cancelled": gettext("Abgebrochen: Ihr Foto bleibt, wie es war."),
            "notImage": gettext("%(name)s ist kein Bild, das der Browser lesen kann."),
            "tooLarge": gettext("%(name)s ist zu groß: höchstens %(max)s je Datei."),
            "refused": gettext("Das Foto wurde nicht gespeichert: %(reason)s"),
            "network": gettext(
                "Die Verbindung ist unterbrochen. Bitte versuchen Sie es noch einmal."
            ),
            "failed": gettext("Es ist ein Fehler aufgetreten."),
        }
    )


@register.simple_tag
def upload_limit() -> int:
    return max_bytes()
