"""The directory's filter forms (the people and project pages)."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from community.models import Expertise, Level, Municipality, ProjectKind, ProjectStatus, State
from community.services import tool_key


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Suche"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Art"), required=False, choices=[("", _("alle Arten")), *ProjectKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Stand"), required=False, choices=[("", _("alle")), *ProjectStatus.choices]
    )
    state = forms.ChoiceField(
        label=_("Bundesland"), required=False, choices=[("", _("alle Länder")), *State.choices]
    )
    tool = forms.CharField(label=_("Werkzeug"), required=False, max_length=100)
    municipality = forms.SlugField(required=False, widget=forms.HiddenInput)


class RememberedSelect(forms.Select):
    """A select whose HTML is remembered per name, value, attributes, choices and
    language: the directory's filters render the same few dozen options on every
    search, a template per option, a tenth of the page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        key = (
            name,
            str(value),
            repr(sorted((attrs or {}).items())),
            repr(sorted(self.attrs.items())),
            tuple((str(v), str(label)) for v, label in self.choices),
            get_language(),
        )
        html = _remembered_selects.get(key)
        if html is None:
            if len(_remembered_selects) >= REMEMBERED_SELECTS:
                _remembered_selects.clear()
            html = _remembered_selects[key] = super().render(name, value, attrs, renderer)
        return html


REMEMBERED_SELECTS = 512
_remembered_selects: dict[tuple, str] = {}


class MemberFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Wer kennt sich aus mit …"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("z. B. E-Akte enaio")}),
    )
    # Choices by slug from one query: a ModelChoiceField would query again to
    # validate and stream the options through a server-side cursor on every page.
    expertise = forms.ChoiceField(label=_("Fachgebiet"), required=False, widget=RememberedSelect)
    level = forms.TypedChoiceField(
        label=_("mindestens"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("jede Stufe")), *Level.choices],
        widget=RememberedSelect,
    )
    state = forms.ChoiceField(
        label=_("Bundesland"),
        required=False,
        choices=[("", _("alle Länder")), *State.choices],
        widget=RememberedSelect,
    )
    kind = forms.ChoiceField(
        label=_("Projektart"),
        required=False,
        choices=[("", _("alle Projektarten")), *ProjectKind.choices],
        widget=RememberedSelect,
    )
    tool = forms.CharField(label=_("Werkzeug"), required=False, max_length=100)
    # Was only in the address (links from a municipality's page); now a choice in the form.
    municipality = forms.ChoiceField(label=_("Kommune"), required=False, widget=RememberedSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expertise"].choices = [
            ("", _("alle Fachgebiete")),
            *Expertise.objects.values_list("slug", "name"),
        ]
        self.fields["municipality"].choices = [
            ("", _("alle Kommunen")),
            *Municipality.objects.order_by("name", "pk").values_list("slug", "name"),
        ]

    def search_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "expertise": data.get("expertise") or "",
            "level": data.get("level"),
            "state": data.get("state") or "",
            "kind": data.get("kind") or "",
            "tool": tool_key(data["tool"]) if data.get("tool") else "",
            "municipality": data.get("municipality") or "",
        }
