"""Every refused upload: a JSON reason with the right status, and nothing of it kept."""

import tempfile
import threading
import tracemalloc

import pytest
from django.db import connection

from files import services
from files.errors import FileRefused
from files.models import StoredFile
from tests.files import samples
from tests.files.conftest import stored_blobs

pytestmark = pytest.mark.django_db


def post(api, name: str, data: bytes):
    return api.post("/api/files/", {"file": samples.upload(name, data)}, format="multipart")


@pytest.fixture(autouse=True)
def _no_temporary_copy_stays(tmp_path, monkeypatch):
    """Uploads' temporary files (Django's and our copies) in a directory of this test's
    own: empty again when the test ends."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    yield
    assert list(scratch.iterdir()) == []


def assert_refused(response, status: int, code: str | None, blobs_before) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"]
    if code is not None:
        assert body["code"] == code
    assert not StoredFile.objects.exists()
    assert stored_blobs() == blobs_before


def test_an_empty_file_is_refused(member_api, blobs_before):
    assert_refused(post(member_api, "leer.txt", b""), 400, "empty", blobs_before)


def test_a_file_over_the_limit_is_refused_413(member_api, settings, blobs_before):
    settings.FILES_MAX_BYTES = 1000
    assert_refused(post(member_api, "gross.txt", b"x" * 1001), 413, "too_large", blobs_before)


def test_a_file_at_the_limit_is_taken(member_api, settings):
    settings.FILES_MAX_BYTES = 1000
    assert post(member_api, "genau.txt", b"x" * 1000).status_code == 201


def post_raw(api, name: str, data: bytes):
    body, content_type = samples.multipart(name, data)
    return api.generic("POST", "/api/files/", body, content_type=content_type)


def test_a_name_of_ten_thousand_characters_is_refused(member_api, blobs_before):
    # Refused by the multipart parser's limit on a part's headers already.
    response = post_raw(member_api, "a" * 9996 + ".txt", b"Inhalt\n")
    assert_refused(response, 400, None, blobs_before)


def test_a_name_over_255_characters_is_refused_not_shortened(member_api, blobs_before):
    response = post_raw(member_api, "a" * 300 + ".txt", b"Inhalt\n")
    assert_refused(response, 400, None, blobs_before)
    assert "255" in response.json()["detail"]


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.txt", "..\\..\\boot.txt", "../", "a/&#46;&#46;/b.txt"]
)
def test_a_name_with_a_path_is_refused(member_api, blobs_before, name):
    response = post_raw(member_api, name, b"Inhalt\n")
    assert_refused(response, 400, None, blobs_before)
    assert "Pfad" in response.json()["detail"]


@pytest.mark.parametrize(
    "name", ["../x.txt", "a/b.txt", "a\\b.txt", "x" * 256, "", " . ", "\u202e"]
)
def test_the_service_refuses_names_that_are_paths_too_long_or_empty(member, name):
    with pytest.raises(FileRefused) as refused:
        services.file_upload(uploader=member, upload=_named(name, b"Inhalt\n"))
    assert (refused.value.status, refused.value.code) == (400, "invalid_name")


def _named(name: str, data: bytes):
    """An upload whose name is exactly ``name`` (Django's classes would shorten it)."""
    upload = samples.upload("platzhalter.txt", data)
    upload._name = name
    return upload


def test_a_truncated_image_is_refused_as_damaged(member_api, blobs_before):
    data = samples.jpeg_with_gps(size=(400, 300))
    assert_refused(
        post(member_api, "kaputt.jpg", data[: len(data) // 2]), 400, "damaged", blobs_before
    )
    data = samples.png(size=(400, 300))
    assert_refused(
        post(member_api, "kaputt.png", data[: len(data) // 2]), 400, "damaged", blobs_before
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bericht.png", samples.pdf()),
        ("foto.pdf", samples.png()),
        ("notizen.docx", b"nur Text\n"),
        ("tabelle.pdf", samples.docx()),
    ],
)
def test_content_that_does_not_match_its_name_is_refused_415(member_api, blobs_before, name, data):
    assert_refused(post(member_api, name, data), 415, "type_mismatch", blobs_before)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", samples.windows_exe()),
        ("rechnung.pdf", samples.windows_exe()),
        ("installieren.sh", b"#!/bin/sh\nrm -rf ~\n"),
        ("liesmich.txt", b"#!/usr/bin/env python3\nimport os\nos.system('id')\n"),
        ("bild.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("seite.html", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("seite.txt", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("archiv.zip", samples.plain_zip()),
        ("vorlage.docx", samples.docm()),
    ],
)
def test_executables_scripts_markup_archives_and_macros_are_refused_415(
    member_api, blobs_before, name, data
):
    assert_refused(post(member_api, name, data), 415, "unsupported_type", blobs_before)


def test_an_office_file_that_would_unpack_enormously_is_refused(member_api, blobs_before):
    assert_refused(
        post(member_api, "plan.docx", samples.docx_bomb()), 413, "too_large", blobs_before
    )


def test_a_decompression_bomb_is_refused_without_exhausting_memory(member_api, blobs_before):
    bomb = samples.png_bomb()  # 74 bytes claiming 100,000 × 100,000 pixels
    tracemalloc.start()
    try:
        response = post(member_api, "bombe.png", bomb)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_refused(response, 413, "too_large", blobs_before)
    assert peak < 20 * 1024 * 1024


def test_an_image_over_the_pixel_limit_is_refused_before_it_is_decoded(
    member_api, settings, blobs_before
):
    settings.FILES_MAX_IMAGE_PIXELS = 100 * 100
    response = post(member_api, "gross.png", samples.png(size=(101, 100)))
    assert_refused(response, 413, "too_large", blobs_before)


def test_a_member_over_the_quota_is_refused_413(member_api, member, settings, blobs_before):
    settings.FILES_QUOTA_BYTES = 100
    assert post(member_api, "eins.txt", b"x" * 60).status_code == 201
    response = post(member_api, "zwei.txt", b"y" * 60)
    assert response.status_code == 413
    assert response.json()["code"] == "quota_exceeded"
    assert StoredFile.objects.count() == 1
    assert len(stored_blobs() - blobs_before) == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_uploads_cannot_exceed_the_quota_together(member, settings, monkeypatch):
    """Four uploads at once, room for two: they all pass the first look, then queue
    at the lock on the member's row, and exactly two are kept. On PostgreSQL (CI) the
    row lock decides; on SQLite the immediate write transaction does."""
    settings.FILES_QUOTA_BYTES = 250
    barrier = threading.Barrier(4, timeout=30)
    insert = services._insert_within_quota

    def insert_together(file):
        barrier.wait()
        return insert(file)

    monkeypatch.setattr(services, "_insert_within_quota", insert_together)
    outcomes = []

    def upload(number):
        try:
            services.file_upload(
                uploader=member, upload=samples.upload(f"teil{number}.txt", b"z" * 100)
            )
            outcomes.append("stored")
        except FileRefused as refusal:
            outcomes.append(refusal.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["quota_exceeded", "quota_exceeded", "stored", "stored"]
    assert StoredFile.objects.filter(uploader=member).count() == 2
    assert len(stored_blobs()) >= 2
    kept = {file.blob.name for file in StoredFile.objects.all()}
    assert {path.name for path in stored_blobs()} >= {name.rsplit("/", 1)[-1] for name in kept}


def test_a_request_without_a_file_part_is_a_400_naming_the_field(member_api):
    response = member_api.post("/api/files/", {"anders": "x"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_a_json_body_is_told_that_the_file_part_is_missing(member_api):
    response = member_api.post("/api/files/", {"file": "x"}, format="json")
    assert response.status_code == 400
    assert "file" in response.json()


def test_a_body_of_another_media_type_is_refused_415(member_api):
    response = member_api.generic("POST", "/api/files/", "x", content_type="text/plain")
    assert response.status_code == 415


def test_signed_out_uploads_are_refused(api_client, blobs_before):
    response = post(api_client, "x.txt", b"Inhalt\n")
    assert response.status_code in (401, 403)
    assert not StoredFile.objects.exists()


def test_refusals_speak_the_member_s_language(member_api):
    response = member_api.post(
        "/api/files/",
        {"file": samples.upload("a.txt", b"")},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["detail"] == "The file is empty."
