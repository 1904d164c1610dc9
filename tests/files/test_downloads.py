"""Downloads: headers for every kind, the three delivery modes, who gets 404."""

import pytest
from asgiref.sync import sync_to_async
from django.core.files.base import ContentFile
from django.test import override_settings

from community import services as community_services
from files import delivery, services, types
from files.storage import files_storage
from tests.files import samples

pytestmark = pytest.mark.django_db

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
}


def upload(member, name, data):
    return services.file_upload(uploader=member, upload=samples.upload(name, data))


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("name", "data", "content_type", "inline"),
    [
        ("Foto.png", samples.png(), "image/png", True),
        ("Foto.jpg", samples.jpeg_with_gps(), "image/jpeg", True),
        ("Anim.gif", samples.gif(), "image/gif", True),
        ("Bild.webp", samples.webp(), "image/webp", True),
        ("Anweisung.pdf", samples.pdf(), "application/pdf", False),
        ("Plan.docx", samples.docx(), types.OOXML_WORD, False),
        ("Notiz.txt", b"Notiz zum Treffen\n", "text/plain", False),
    ],
)
def test_every_download_carries_the_safe_headers(
    member_client, member, name, data, content_type, inline
):
    file = upload(member, name, data)
    response = member_client.get(file.get_absolute_url())
    assert response.status_code == 200
    for header, value in COMMON.items():
        assert response[header] == value
    assert response["Content-Type"] == content_type
    assert response["Cache-Control"].startswith("private")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline" if inline else "attachment")
    assert name in disposition
    assert body_of(response) == file.blob.open("rb").read()
    assert int(response["Content-Length"]) == file.size


def test_a_thumbnail_is_an_inline_webp_with_the_same_headers(member_client, loose_file):
    response = member_client.get(loose_file.get_thumbnail_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Disposition"].startswith("inline")
    for header, value in COMMON.items():
        assert response[header] == value
    assert body_of(response)[:4] == b"RIFF"


def test_a_document_has_no_thumbnail(member_client, member):
    file = upload(member, "a.pdf", samples.pdf())
    assert member_client.get(f"/dateien/{file.pk}/vorschau/").status_code == 404


def test_a_name_with_quotes_and_umlauts_reaches_the_header_encoded(member_client, member):
    file = upload(member, 'Größe "final"; x=1.txt', b"Inhalt\n")
    response = member_client.get(file.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert "\n" not in response["Content-Disposition"]


def test_the_name_in_the_address_does_not_matter_the_id_does(member_client, loose_file):
    response = member_client.get(f"/dateien/{loose_file.pk}/ganz-anders.exe")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "bild.png" in response["Content-Disposition"]


def test_unknown_ids_and_signed_out_visitors_get_nothing(client, member_client, loose_file):
    assert (
        member_client.get("/dateien/00000000-0000-0000-0000-000000000000/x.png").status_code == 404
    )
    assert member_client.get("/dateien/kein-uuid/x.png").status_code == 404
    client.logout()
    response = client.get(loose_file.get_absolute_url())
    assert response.status_code == 302
    assert "/dateien/" not in response.get("Location", "").split("?")[0]


def test_only_reading_methods_are_answered(member_client, loose_file):
    assert member_client.post(loose_file.get_absolute_url()).status_code in (403, 405)
    assert member_client.head(loose_file.get_absolute_url()).status_code == 200


@override_settings(FILES_DELIVERY="nginx")
def test_under_nginx_the_worker_only_checks_and_names_the_internal_location(member_client, member):
    file = upload(member, "Anweisung.pdf", samples.pdf())
    response = member_client.get(file.get_absolute_url())
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_dateien/{file.blob.name}"
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    for header, value in COMMON.items():
        assert response[header] == value
    thumb = upload(member, "f.png", samples.png())
    response = member_client.get(thumb.get_thumbnail_url())
    assert response["X-Accel-Redirect"] == f"/_dateien/{thumb.thumbnail.name}"
    assert response["Content-Type"] == "image/webp"


class _SigningStorage:
    """Stands in for S3Storage.url (the real one is tested against moto's server)."""

    def __init__(self):
        self.calls = []

    def url(self, name, parameters=None, expire=None):
        self.calls.append((name, parameters, expire))
        return f"https://s3.example/bucket/{name}?X-Amz-Signature=abc"


@override_settings(FILES_DELIVERY="s3", FILES_SIGNED_URL_SECONDS=45)
def test_with_object_storage_the_answer_is_a_short_signed_redirect(
    member_client, member, monkeypatch
):
    file = upload(member, "Anweisung.pdf", samples.pdf())
    signing = _SigningStorage()
    monkeypatch.setattr(delivery, "files_storage", signing)
    response = member_client.get(file.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith("https://s3.example/bucket/")
    name, parameters, expire = signing.calls[0]
    assert name == file.blob.name and expire == 45
    assert parameters["ResponseContentType"] == "application/pdf"
    assert parameters["ResponseContentDisposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    for header, value in COMMON.items():
        assert response[header] == value


def test_the_json_of_a_file_is_hidden_like_its_bytes(member_api, make_member, member, loose_file):
    other = make_member()
    member_api.force_authenticate(other)
    missing = member_api.get("/api/files/00000000-0000-0000-0000-000000000000/")
    hidden = member_api.get(f"/api/files/{loose_file.pk}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert member_api.delete(f"/api/files/{loose_file.pk}/").status_code == 404


async def test_under_asgi_a_download_is_read_chunk_by_chunk_not_whole(recwarn):
    blob_name = await sync_to_async(files_storage.save)("ab/gross", ContentFile(b"x" * 1_000_000))
    response = delivery.deliver(blob_name, content_type="text/plain", name="g.txt", size=1_000_000)
    sizes = [len(chunk) async for chunk in response]
    response.close()
    assert sum(sizes) == 1_000_000
    assert max(sizes) == delivery.ChunkedFileResponse.block_size < 1_000_000
    assert not [w for w in recwarn if "synchronous iterators" in str(w.message)]


def test_an_api_client_downloads_with_its_token(client, member, loose_file):
    token = community_services.member_token(member=member)
    response = client.get(loose_file.get_absolute_url(), HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    response = client.get(loose_file.get_thumbnail_url(), HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200


def test_a_bad_token_is_a_401_and_another_member_s_token_a_404(client, make_member, loose_file):
    response = client.get(loose_file.get_absolute_url(), HTTP_AUTHORIZATION="Token falsch")
    assert response.status_code == 401
    assert response.json()["detail"]
    other = community_services.member_token(member=make_member())
    response = client.get(loose_file.get_absolute_url(), HTTP_AUTHORIZATION=f"Token {other}")
    assert response.status_code == 404
