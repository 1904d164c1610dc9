"""The attachment list and the upload widget (core/templatetags/attachments.py).

Pure template tests: a file is given as the API's file object (a dict), which
the tags read as they read a stored file. What the pages show of stored files
is tested with the pages that attach them.
"""

import json

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from core.templatetags.attachments import file_kind, human_size

PICTURE = {
    "id": "5f0c2f7e-0000-4000-8000-000000000001",
    "name": "Bildschirmfoto.png",
    "size": 48_213,
    "content_type": "image/png",
    "url": "/dateien/5f0c2f7e-0000-4000-8000-000000000001/Bildschirmfoto.png",
    "thumbnail_url": "/dateien/5f0c2f7e-0000-4000-8000-000000000001/vorschau/",
}
MINUTES = {
    "id": "5f0c2f7e-0000-4000-8000-000000000002",
    "name": "Protokoll <Netzwerktreffen>.pdf",
    "size": 1_572_864,
    "content_type": "application/pdf",
    "url": "/dateien/5f0c2f7e-0000-4000-8000-000000000002/Protokoll.pdf",
    "thumbnail_url": None,
}


def render(source: str, **context) -> str:
    with translation.override("de"):
        return Template("{% load attachments %}" + source).render(Context(context))


def test_sizes_are_written_in_the_pages_language():
    with translation.override("de"):
        assert human_size(0) == "0 Byte"
        assert human_size(1023) == "1023 Byte"
        assert human_size(1536) == "1,5 KB"
        assert human_size(25 * 1024 * 1024) == "25,0 MB"
        assert human_size(3 * 1024**3) == "3,0 GB"
        assert human_size("kaputt") == ""


def test_a_type_without_a_name_of_its_own_is_a_file():
    with translation.override("de"):
        assert file_kind(MINUTES) == "PDF-Dokument"
        assert file_kind({"content_type": "application/x-unbekannt"}) == "Datei"


def test_pictures_are_thumbnails_that_open_full_size_and_files_a_list_with_type_and_size():
    html = render('{% include "includes/attachments.html" %}', files=[PICTURE, MINUTES])
    assert f'<a class="attachment-image" href="{PICTURE["url"]}">' in html
    assert (
        f'<img src="{PICTURE["thumbnail_url"]}" alt="Bildschirmfoto.png in voller Größe öffnen"'
        in html
    )
    assert "Protokoll &lt;Netzwerktreffen&gt;.pdf</a>" in html  # names are text, never markup
    assert "PDF-Dokument, 1,5 MB" in html


def test_no_files_no_list():
    assert render('{% include "includes/attachments.html" %}', files=[]).strip() == ""


class AttachmentsForm(forms.Form):
    attachments = forms.Field(required=False, widget=forms.MultipleHiddenInput)


def test_the_widget_carries_its_texts_and_limits_and_starts_without_picker(settings):
    settings.FILES_MAX_BYTES = 10 * 1024 * 1024
    html = render("{% attachments_field %}")
    assert 'data-max-bytes="10485760"' in html
    assert 'data-max-files="10"' in html
    assert "bis 10,0 MB je Datei" in html
    assert '<div class="upload-picker" hidden>' in html  # shown by uploads.js
    texts = json.loads(
        html.split('data-texts="')[1].split('"')[0].replace("&quot;", '"').replace("&#x27;", "'")
    )
    assert texts["kinds"]["application/pdf"] == "PDF-Dokument"
    assert texts["busy"].startswith("Bitte warten Sie")


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        # A form shown again after an error: only the files it still holds.
        ({"attachments": [PICTURE["id"]]}, ["Bildschirmfoto.png"]),
        ({}, []),
    ],
)
def test_a_form_shown_again_shows_the_files_it_still_holds(data, shown):
    form = AttachmentsForm(data)
    html = render(
        "{% attachments_field files=files field=form.attachments %}",
        files=[PICTURE, MINUTES],
        form=form,
    )
    names = [name for name in ("Bildschirmfoto.png", "Protokoll") if 'data-name="' + name in html]
    assert names == shown


def test_without_a_field_every_given_file_is_shown_with_an_insert_button_for_pictures():
    html = render("{% attachments_field files=files %}", files=[PICTURE, MINUTES])
    assert html.count('class="upload-item"') == 2
    assert html.count("upload-insert") == 1
    html = render("{% attachments_field files=files insert=False %}", files=[PICTURE])
    assert "upload-insert" not in html


def test_the_widget_speaks_english_on_english_pages():
    with translation.override("en"):
        html = Template("{% load attachments %}{% attachments_field %}").render(Context({}))
        assert human_size(1536) == "1.5 KB"
    assert ">Attach files</button>" in html
    assert "Choose, drag here or paste: up to 25.0 MB per file, at most 10 files." in html
    assert "Please wait until all files are uploaded." in html.replace("&quot;", '"')
