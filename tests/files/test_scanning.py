"""The virus scan through clamav-client, against a stand-in clamd speaking its protocol.

A real clamd with an EICAR signature is tested in tests/operations/test_virus_scan.py.
"""

import socket
import struct
import tempfile
import threading
from pathlib import Path

import pytest

from files.models import StoredFile
from tests.files import samples
from tests.files.conftest import stored_blobs

pytestmark = pytest.mark.django_db


class FakeClamd:
    """Answers INSTREAM with FOUND when the stream contains EICAR, else OK."""

    def __init__(self, path: str):
        self.path = path
        self.streams: list[bytes] = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(4)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read(self, connection, size):
        data = b""
        while len(data) < size:
            part = connection.recv(size - len(data))
            if not part:
                raise ConnectionError
            data += part
        return data

    def _serve(self):
        while True:
            try:
                connection, _address = self.server.accept()
            except OSError:
                return
            with connection:
                command = b""
                while not command.endswith(b"\n"):
                    command += connection.recv(1)
                stream = b""
                while True:
                    (length,) = struct.unpack("!L", self._read(connection, 4))
                    if not length:
                        break
                    stream += self._read(connection, length)
                self.streams.append(stream)
                if samples.EICAR in stream:
                    connection.sendall(b"stream: Eicar-Test-Signature FOUND\n")
                else:
                    connection.sendall(b"stream: OK\n")

    def close(self):
        self.server.close()


@pytest.fixture
def clamd(settings):
    directory = tempfile.mkdtemp(prefix="clamd-", dir="/tmp")
    fake = FakeClamd(str(Path(directory) / "clamd.sock"))
    settings.CLAMAV_SOCKET = fake.path
    settings.CLAMAV_HOST = ""
    yield fake
    fake.close()


def post(api, name, data):
    return api.post("/api/files/", {"file": samples.upload(name, data)}, format="multipart")


def test_a_flagged_upload_is_refused_422_and_nothing_is_kept(clamd, member_api):
    response = post(member_api, "protokoll.txt", samples.EICAR)
    assert response.status_code == 422
    assert response.json()["code"] == "infected"
    assert not StoredFile.objects.exists() and stored_blobs() == set()
    assert clamd.streams == [samples.EICAR]


def test_a_clean_upload_is_scanned_and_kept(clamd, member_api):
    response = post(member_api, "foto.png", samples.png())
    assert response.status_code == 201
    assert clamd.streams == [samples.png()]  # the upload as it came, before re-encoding


def test_an_unreachable_scanner_refuses_rather_than_keeping_unscanned(settings, member_api):
    settings.CLAMAV_SOCKET = "/tmp/kein-clamd-hier.sock"
    response = post(member_api, "protokoll.txt", b"Hallo\n")
    assert response.status_code == 503
    assert response.json()["code"] == "scan_unavailable"
    assert not StoredFile.objects.exists() and stored_blobs() == set()


def test_without_a_scanner_configured_uploads_are_not_scanned(settings, member_api):
    settings.CLAMAV_SOCKET = settings.CLAMAV_HOST = ""
    assert post(member_api, "protokoll.txt", samples.EICAR).status_code == 201
