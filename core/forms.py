"""Form fields shared by the apps' page forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ATTACHMENTS_MAX = 10
ATTACHMENTS_SENT = "attachments_sent"


class AttachmentIdsField(forms.Field):
    """Ids of uploaded files, one hidden input ``attachments`` each (the page's uploader
    adds them). Only the shape is checked here; whose files they are, the service checks.

    Editing replaces the whole list; a form that leaves the files alone sends no
    ``attachments`` and no ``attachments_sent`` marker (see ``attachments_from``).
    """

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, "", [], ()):
            return []
        if isinstance(value, str):
            value = [value]
        ids = [str(item).strip() for item in value if str(item).strip()]
        if len(ids) > ATTACHMENTS_MAX:
            raise ValidationError(
                _("Höchstens %(max)d Dateien."), code="max_length", params={"max": ATTACHMENTS_MAX}
            )
        if any(len(item) > 64 for item in ids):
            raise ValidationError(_("Unbekannte Datei."), code="invalid_attachment")
        return list(dict.fromkeys(ids))


def attachments_from(form: forms.Form, data) -> list[str] | None:
    """The submitted file list, or None when the form did not send one (keep the files)."""
    if "attachments" in data or ATTACHMENTS_SENT in data:
        return form.cleaned_data.get("attachments", [])
    return None
