"""One-line fields: names, titles, departments: the same rule for all of them.

A name is shown in lists, e-mail subjects, calendar files and notifications.
Control characters (C0 and C1, including line breaks and tabs) break those
formats; bidirectional overrides, embeddings and isolates turn the text
after them around ("Anna‮lleb.exe" reads as something else); zero-width
characters make two names look the same. None of them belongs in one line a
person typed, so they are refused with a field error, never silently dropped
(the person sees what was wrong); leading and trailing space is removed.

``OneLineCharField`` applies the rule to a model field: its validator runs in
``full_clean`` (services), in model forms and in DRF model serializers (which
copy model validators). Fields that are not model fields use
``validate_one_line`` / ``clean_one_line`` directly.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

# C0 and C1 control characters (incl. TAB, LF, CR), DEL, and the Unicode line separators.
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"
# Zero-width space/non-joiner/joiner, LRM/RLM, the embeddings and overrides (U+202A–U+202E),
# word joiner and invisible operators, the isolates (U+2066–U+2069), the Arabic letter
# mark, the Mongolian vowel separator and the byte order mark (zero-width no-break space).
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\u180e\ufeff"
_FORBIDDEN = re.compile(f"[{_CONTROL}{_INVISIBLE}]")
_CONTROL_RE = re.compile(f"[{_CONTROL}]")
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")

# Every one-line field (app, model, field): the data migration repairs what was stored
# before the rule, so that saving such a row again (a rename, a cancellation) works.
ONE_LINE_FIELDS = [
    ("community", "Municipality", "name"),
    ("community", "User", "display_name"),
    ("community", "User", "department"),
    ("community", "User", "position"),
    ("community", "Qualification", "programme"),
    ("community", "Qualification", "cohort"),
    ("community", "Tool", "name"),
    ("community", "Project", "title"),
    ("community", "ProjectLink", "title"),
    ("forum", "Category", "name"),
    ("forum", "Thread", "title"),
    ("events", "Event", "title"),
    ("events", "Event", "location"),
    ("events", "AgendaItem", "title"),
    ("events", "AgendaItem", "speaker"),
    ("chat", "Room", "name"),
]


def validate_one_line(value) -> None:
    """Refuse control, bidirectional-control and zero-width characters (a field error)."""
    if not isinstance(value, str):
        return
    found = _FORBIDDEN.search(value)
    if found is None:
        return
    char = found.group()
    params = {"codepoint": f"U+{ord(char):04X}"}
    if _CONTROL_RE.match(char):
        raise ValidationError(
            _(
                "Bitte nur eine Zeile ohne Steuerzeichen eingeben "
                "(gefunden: Steuerzeichen %(codepoint)s)."
            ),
            code="control_character",
            params=params,
        )
    raise ValidationError(
        _(
            "Der Text enthält ein unsichtbares Zeichen oder eine Umkehrung der "
            "Schreibrichtung (%(codepoint)s); bitte entfernen."
        ),
        code="invisible_character",
        params=params,
    )


def repair_one_line(value: str) -> str:
    """An older stored value under the rule: control characters become spaces,
    invisible ones go, the ends are trimmed; nothing visible is lost. A value
    of nothing but such characters becomes "?" (an empty name would mean erased)."""
    if not value:
        return value
    repaired = _INVISIBLE_RE.sub("", _CONTROL_RE.sub(" ", value)).strip()
    if repaired != value.strip():
        repaired = " ".join(repaired.split())
    return repaired or "?"


def repair_stored_one_line_fields(apps) -> int:
    """Repair every stored one-line value (``ONE_LINE_FIELDS``); the count changed."""
    changed = 0
    for app_label, model_name, field in ONE_LINE_FIELDS:
        model = apps.get_model(app_label, model_name)
        rows = []
        for pk, value in model.objects.values_list("pk", field).iterator(chunk_size=2000):
            repaired = repair_one_line(value)
            if repaired != value:
                rows.append(model(pk=pk, **{field: repaired}))
        model.objects.bulk_update(rows, [field], batch_size=500)
        changed += len(rows)
    return changed


def clean_one_line(value: str | None) -> str:
    """The value without leading and trailing space, checked by ``validate_one_line``."""
    value = (value or "").strip()
    validate_one_line(value)
    return value


class OneLineCharField(models.CharField):
    """A CharField for one line a person typed: stripped, and checked as above.

    Migrations see a plain CharField (the rule lives in code, not in the schema).
    """

    default_validators = [validate_one_line]

    def to_python(self, value):
        value = super().to_python(value)
        if isinstance(value, str) and value != value.strip():
            return value.strip()
        return value  # unchanged, str subclasses included (the erased name's marker)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


# --- slugs and domains (moved from community.services, issue 17) ---------------
def normalize_domain(domain: str) -> str:
    return (domain or "").strip().lower().lstrip("@").rstrip(".")


GERMAN_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def german_slugify(value: str) -> str:
    """ "Gießen" → "giessen", "Müller" → "mueller" (slugify alone drops the letters)."""
    return slugify((value or "").translate(GERMAN_TRANSLITERATION))
