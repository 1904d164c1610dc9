"""Forms of the event pages. They parse and validate input; services write."""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.models import Municipality, State
from core.concurrency import version_field
from core.forms import AttachmentIdsField
from events.models import (
    DEFAULT_TIMEZONE,
    Audience,
    Event,
    EventFormat,
    EventKind,
    validate_timezone,
)
from forum.models import Thread

AGENDA_LINE = re.compile(
    r"^\s*(?P<start>\d{1,2}[:.]\d{2})\s*(?:[-–]\s*(?P<end>\d{1,2}[:.]\d{2}))?\s*"
    r"(?:\|\s*)?(?P<title>[^|]+?)\s*(?:\|\s*(?P<speaker>.+?))?\s*$"
)
COMMON_TIMEZONES = [
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/Brussels",
    "Europe/London",
    "UTC",
]


def _time(text: str) -> dt.time:
    hours, minutes = re.split(r"[:.]", text)
    return dt.time(int(hours), int(minutes))


def parse_agenda(text: str) -> list[dict]:
    """One slot per line: ``10:00–10:30 | Begrüßung | Anna Schmidt`` (end and speaker optional)."""
    items = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = AGENDA_LINE.match(line)
        try:
            if match is None:
                raise ValueError
            item = {
                "starts_at": _time(match["start"]),
                "ends_at": _time(match["end"]) if match["end"] else None,
                "title": match["title"].strip()[:200],
                "speaker": (match["speaker"] or "").strip()[:200],
            }
        except ValueError as exc:
            raise ValidationError(
                _("Zeile %(number)s: bitte „10:00–10:30 | Titel | Referent*in“."),
                code="invalid_agenda",
                params={"number": number},
            ) from exc
        items.append(item)
    return items


def agenda_text(event: Event) -> str:
    lines = []
    for item in event.agenda_items.all():
        time = item.starts_at.strftime("%H:%M")
        if item.ends_at:
            time += "–" + item.ends_at.strftime("%H:%M")
        lines.append(" | ".join(p for p in (time, item.title, item.speaker) if p))
    return "\n".join(lines)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class WallClockDateTimeField(forms.DateTimeField):
    """A naive wall-clock time; the event's own time zone decides what it means."""

    widget = LocalDateTimeInput

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        return forms.fields.BaseTemporalField.to_python(self, value)


class EventForm(forms.Form):
    """Times are wall-clock times in the chosen time zone; the service converts them."""

    title = forms.CharField(label=_("Titel"), max_length=200)
    kind = forms.ChoiceField(label=_("Art"), choices=EventKind.choices)
    description = forms.CharField(
        label=_("Beschreibung"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **fett**, *kursiv*, Listen mit „-“, Links."),
    )
    agenda = forms.CharField(
        label=_("Programm"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ein Punkt je Zeile: „10:00–10:30 | Begrüßung | Anna Schmidt“."),
    )
    starts_at = WallClockDateTimeField(label=_("Beginn"))
    ends_at = WallClockDateTimeField(label=_("Ende"))
    timezone = forms.CharField(
        label=_("Zeitzone"),
        max_length=64,
        initial=DEFAULT_TIMEZONE,
        validators=[validate_timezone],
        widget=forms.TextInput(attrs={"list": "timezone-list", "autocomplete": "off"}),
        help_text=_("IANA-Name, z. B. Europe/Berlin."),
    )
    format = forms.ChoiceField(label=_("Format"), choices=EventFormat.choices)
    location = forms.CharField(label=_("Ort"), max_length=200, required=False)
    address = forms.CharField(
        label=_("Adresse"), max_length=1000, required=False, widget=forms.Textarea({"rows": 2})
    )
    online_url = forms.URLField(
        label=_("Link zur Online-Teilnahme"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Nur bestätigte Teilnehmende und die Organisation sehen ihn."),
    )
    capacity = forms.IntegerField(
        label=_("Plätze"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=_("Leer lassen: unbegrenzt."),
    )
    signup_deadline = WallClockDateTimeField(label=_("Anmeldeschluss"), required=False)
    audience = forms.ChoiceField(label=_("Zielgruppe"), choices=Audience.choices)
    audience_state = forms.ChoiceField(
        label=_("Bundesland der Zielgruppe"),
        choices=[("", "—"), *State.choices],
        required=False,
    )
    audience_municipality = forms.ModelChoiceField(
        label=_("Kommune der Zielgruppe"),
        queryset=Municipality.objects.only("pk", "name", "slug"),
        required=False,
    )
    hosting_municipality = forms.ModelChoiceField(
        label=_("Gastgebende Kommune"),
        queryset=Municipality.objects.none(),
        required=False,
    )

    forum_thread = forms.IntegerField(
        label=_("Forumsthema (Nummer)"),
        required=False,
        min_value=1,
        help_text=_("Die Nummer aus der Adresse des Themas, z. B. 42 für /forum/thema/42/."),
    )

    # Editing carries the version it started from (core.concurrency).
    version = version_field()
    # The documents ("Unterlagen"): ids of uploaded files, hidden inputs.
    attachments = AttachmentIdsField()

    def __init__(self, *args, host_choices=None, audience_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if host_choices is not None:
            self.fields["hosting_municipality"].queryset = host_choices
        if audience_choices is not None:
            self.fields["audience_municipality"].queryset = audience_choices

    def clean_forum_thread(self):
        number = self.cleaned_data.get("forum_thread")
        if not number:
            return None
        thread = Thread.objects.filter(pk=number).first()
        if thread is None:
            raise forms.ValidationError(_("Dieses Forumsthema gibt es nicht."), code="invalid")
        return thread

    def clean_agenda(self):
        return parse_agenda(self.cleaned_data.get("agenda", ""))


def event_initial(event: Event) -> dict:
    zone = event.zone

    def local(value):
        return value.astimezone(zone).replace(tzinfo=None) if value else None

    return {
        "title": event.title,
        "kind": event.kind,
        "description": event.description,
        "agenda": agenda_text(event),
        "starts_at": local(event.starts_at),
        "ends_at": local(event.ends_at),
        "timezone": event.timezone,
        "format": event.format,
        "location": event.location,
        "address": event.address,
        "online_url": event.online_url,
        "capacity": event.capacity,
        "signup_deadline": local(event.signup_deadline),
        "audience": event.audience,
        "audience_state": event.audience_state,
        "audience_municipality": event.audience_municipality,
        "hosting_municipality": event.hosting_municipality,
        "forum_thread": event.forum_thread_id,
        "version": event.version,
        "attachments": [str(f.pk) for f in event.attachments.all()],
    }


class AttendeeAddForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse des Mitglieds"), max_length=254)


class EventFilesForm(forms.Form):
    """Documents a participant adds to an event (hidden inputs of the page's uploader)."""

    attachments = AttachmentIdsField(required=True)
