"""Uploads pass a real clamd (tests/clamav.py: a signature database that knows EICAR).

Under CI, .ci/run starts clamd and exports CLAMAV_SOCKET for the whole suite;
elsewhere the fixture ``clamav_socket`` starts one for the session (skipped only
without clamd and outside CI).
"""

import io
from pathlib import Path

import pytest
from clamav_client.clamd import ClamdUnixSocket
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from files.models import StoredFile
from tests.clamav import EICAR, SIGNATURE_NAME

pytestmark = pytest.mark.django_db


def stored_blobs() -> list[Path]:
    return [p for p in Path(settings.FILES_ROOT).rglob("*") if p.is_file()]


@pytest.fixture
def scanning(clamav_socket, settings):
    settings.CLAMAV_SOCKET = clamav_socket
    settings.CLAMAV_HOST = ""
    return clamav_socket


def test_the_scanner_recognises_eicar_and_passes_a_clean_stream(clamav_socket):
    scanner = ClamdUnixSocket(path=clamav_socket, timeout=10)
    assert scanner.ping() == "PONG"
    status, name = scanner.instream(io.BytesIO(EICAR + b"\r\n"))["stream"]
    assert (status, name.removesuffix(".UNOFFICIAL")) == ("FOUND", SIGNATURE_NAME)
    assert scanner.instream(io.BytesIO(b"Protokoll des Netzwerktreffens\n"))["stream"][0] == "OK"


def test_an_upload_with_eicar_is_refused_422_and_leaves_nothing_behind(scanning, member_api):
    before = set(stored_blobs())
    response = member_api.post(
        "/api/files/",
        {"file": SimpleUploadedFile("protokoll.txt", EICAR, content_type="text/plain")},
        format="multipart",
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "infected"
    assert response.json()["detail"]
    assert not StoredFile.objects.exists()
    assert set(stored_blobs()) == before


def test_a_clean_upload_passes_the_scanner_and_is_stored(scanning, member_api, member):
    body = b"Protokoll des Netzwerktreffens\nTOP 1: E-Akte\n"
    response = member_api.post(
        "/api/files/",
        {"file": SimpleUploadedFile("protokoll.txt", body, content_type="text/plain")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    stored = StoredFile.objects.get(pk=response.json()["id"])
    assert stored.uploader == member
    with stored.blob.open("rb") as handle:
        assert handle.read() == body


def test_without_an_answering_scanner_an_upload_is_refused_not_kept_unscanned(
    settings, member_api, tmp_path
):
    before = set(stored_blobs())
    settings.CLAMAV_SOCKET = str(tmp_path / "kein-clamd.sock")
    response = member_api.post(
        "/api/files/",
        {"file": SimpleUploadedFile("protokoll.txt", b"Hallo\n", content_type="text/plain")},
        format="multipart",
    )
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "scan_unavailable"
    assert not StoredFile.objects.exists()
    assert set(stored_blobs()) == before
