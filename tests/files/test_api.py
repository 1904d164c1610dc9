"""The files API: upload, read, delete; who sees what (unattached: the uploader only)."""

import pytest

from files.models import StoredFile
from tests.files import samples


@pytest.mark.django_db
def test_an_uploaded_image_comes_back_as_the_file_object_of_the_contract(member_api):
    response = member_api.post(
        "/api/files/", {"file": samples.upload("Foto.png", samples.png())}, format="multipart"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == {
        "id",
        "name",
        "size",
        "content_type",
        "url",
        "thumbnail_url",
        "width",
        "height",
        "created_at",
    }
    assert data["name"] == "Foto.png"
    assert data["content_type"] == "image/png"
    assert (data["width"], data["height"]) == (64, 48)
    assert data["url"] == f"/dateien/{data['id']}/Foto.png"
    assert data["thumbnail_url"] == f"/dateien/{data['id']}/vorschau/"
    stored = StoredFile.objects.get(pk=data["id"])
    assert stored.size == data["size"] > 0


@pytest.mark.django_db
def test_a_document_has_no_thumbnail_and_no_dimensions(member_api):
    response = member_api.post(
        "/api/files/", {"file": samples.upload("Anweisung.pdf", samples.pdf())}, format="multipart"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["content_type"] == "application/pdf"
    assert data["thumbnail_url"] is None
    assert data["width"] is None and data["height"] is None
    assert StoredFile.objects.get(pk=data["id"]).text == "Dienstanweisung E-Akte"


@pytest.mark.django_db
def test_an_unattached_file_is_seen_by_its_uploader_only(
    client, member, make_member, member_api, loose_file
):
    assert member_api.get(f"/api/files/{loose_file.pk}/").status_code == 200
    client.force_login(member)
    assert client.get(loose_file.get_absolute_url()).status_code == 200
    other = make_member(municipality=member.municipality)
    member_api.force_authenticate(other)
    assert member_api.get(f"/api/files/{loose_file.pk}/").status_code == 404
    client.force_login(other)
    assert client.get(loose_file.get_absolute_url()).status_code == 404
    assert client.get(loose_file.get_thumbnail_url()).status_code == 404
