"""Forms of the forum pages. They parse and validate input; services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Expertise, Project
from core.concurrency import version_field
from core.forms import AttachmentIdsField
from forum.models import BODY_MAX_LENGTH, REASON_MAX_LENGTH, TITLE_MAX_LENGTH, Category


def _body_field(label=None):
    return forms.CharField(
        label=label or _("Text"),
        max_length=BODY_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(
            attrs={
                "rows": 10,
                "data-forum-composer": "1",
                "data-markdown-composer": "1",  # toolbar and draft (static/js/composer.js)
                "maxlength": BODY_MAX_LENGTH,
            }
        ),
        help_text=_("Markdown; @kürzel erwähnt ein Mitglied."),
    )


class ThreadForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Kategorie"), queryset=Category.objects.all(), to_field_name="slug"
    )
    title = forms.CharField(label=_("Titel"), max_length=TITLE_MAX_LENGTH)
    body = _body_field()
    tags = forms.ModelMultipleChoiceField(
        label=_("Fachgebiete"),
        queryset=Expertise.objects.all(),
        to_field_name="slug",
        required=False,
        # Checkboxes, not a multi-select (which needs Ctrl+click); filterable by
        # static/js/choices.js.
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Bis zu fünf; so findet man das Thema auch auf der Seite des Fachgebiets."),
    )
    project = forms.ModelChoiceField(
        label=_("Projekt"), queryset=Project.objects.none(), required=False
    )
    attachments = AttachmentIdsField()

    def __init__(self, *args, categories=None, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        if categories is not None:
            self.fields["category"].queryset = categories
        if projects is not None:
            self.fields["project"].queryset = projects


class ThreadEditForm(forms.Form):
    """Title and tags of an existing thread (the first post is edited as a post)."""

    title = forms.CharField(label=_("Titel"), max_length=TITLE_MAX_LENGTH)
    tags = forms.ModelMultipleChoiceField(
        label=_("Fachgebiete"),
        queryset=Expertise.objects.all(),
        to_field_name="slug",
        required=False,
        # Checkboxes, not a multi-select (which needs Ctrl+click); filterable by
        # static/js/choices.js.
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Bis zu fünf."),
    )


class PostForm(forms.Form):
    body = _body_field()
    attachments = AttachmentIdsField()


class PostEditForm(PostForm):
    """Editing carries the version it started from (core.concurrency)."""

    version = version_field()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Grund"), max_length=REASON_MAX_LENGTH)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Suche im Forum"), max_length=200, required=False)
