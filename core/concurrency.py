"""Editing without losing another's edit: a version per object, ETag / If-Match.

Forum posts, chat messages, events and projects carry an integer ``version``
that every change of the row itself raises by one, under the row's lock
(``select_for_update``) in the update service. A client that read version
*n* hands *n* back (API: ``If-Match: "n"``; pages: a hidden field); if the
row is at another version by the time the service holds its lock, the service
raises ``VersionConflict`` inside its transaction and nothing is stored. Two
concurrent edits from the same version therefore cannot both win: the second
waits for the first's lock and then sees the raised version.

The ETag is the version of the object's own stored state (what an edit,
deleting, hiding or cancelling changes), not of counters kept in other rows
(reactions, seats taken) nor of viewer-dependent fields.
"""

import re
from collections.abc import Collection, Iterable

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _

# RFC 9110, section 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*')
_MAX_VERSION_DIGITS = 10  # fits the column; longer digit runs match no version


class VersionConflict(Exception):
    """The object is no longer at the version the editor started from.

    ``current`` is the object as stored now (read under the service's lock).
    """

    def __init__(self, current):
        super().__init__(f"stale version; current is {current.version}")
        self.current = current


def etag(version: int) -> str:
    """The strong validator of a version: the number in double quotes."""
    return f'"{version}"'


def parse_if_match(value: str | None) -> frozenset[int] | None:
    """The versions an ``If-Match`` header accepts; None means no condition.

    Absent or ``*`` (the object exists, which it does once access has found
    it): no condition. A list of entity-tags: the versions among them; weak
    tags (``W/"3"``) never match (If-Match compares strongly) and tags that are
    not one of our versions match nothing, so the set may be empty (then 412).
    Anything that is not entity-tag syntax raises ValueError (the API's 400).
    """
    if value is None:
        return None
    if value.strip() == "*":
        return None
    versions = set()
    for item in value.split(","):
        match = _ENTITY_TAG.fullmatch(item)
        if match is None:
            raise ValueError(value)
        weak, tag = match.groups()
        if not weak and tag.isascii() and tag.isdigit() and len(tag) <= _MAX_VERSION_DIGITS:
            versions.add(int(tag))
    return frozenset(versions)


def check_version(obj, expected: int | Collection[int] | None) -> None:
    """Raise VersionConflict unless ``obj`` (locked by the caller) is at an expected version."""
    if expected is None:
        return
    if isinstance(expected, int):
        expected = {expected}
    if obj.version not in expected:
        raise VersionConflict(obj)


# --- pages ---------------------------------------------------------------------------


class VersionField(forms.IntegerField):
    """A garbled version counts as stale: 0 matches no version, so the page shows
    both versions (a hidden field's own error would stay invisible)."""

    def clean(self, value):
        try:
            return super().clean(value)
        except forms.ValidationError:
            return 0


def version_field() -> forms.IntegerField:
    """The hidden field an edit form carries the version in (missing: no check, as before)."""
    return VersionField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)


def _display(field: forms.Field, value) -> str:
    if value in (None, "", [], ()):
        return "–"
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, Iterable) and not isinstance(value, str):
        return ", ".join(str(item) for item in value) or "–"
    choices = getattr(field, "choices", None)
    if choices is not None and not isinstance(field, forms.ModelChoiceField):
        labels = {str(key): label for key, label in choices}
        return str(labels.get(str(value), value))
    if hasattr(value, "isoformat"):
        return formats.localize(value)
    return str(value)


def page_conflict(form: forms.Form, stored: forms.Form, *, version: int) -> list[dict]:
    """After a VersionConflict on a page: what is stored now, where it differs from the form.

    ``stored`` is the same form class bound to the same submitted data, with
    the stored values as ``initial``; its ``changed_data``
    names the fields where the editor's text and the stored one differ. The
    editor's own text stays in ``form``; its version becomes the current one,
    so saving again deliberately replaces the stored version. Returns rows of
    ``{"name", "label", "stored"}`` for includes/edit_conflict.html, which
    also says what happened (role=alert).
    """
    data = form.data.copy()
    data[form.add_prefix("version")] = str(version)
    form.data = data
    rows = []
    for name in stored.changed_data:
        if name == "version" or name not in form.fields:
            continue
        field = stored.fields[name]
        rows.append(
            {
                "name": name,
                "label": field.label,
                "stored": _display(field, stored.get_initial_for_field(field, name)),
            }
        )
    return rows
