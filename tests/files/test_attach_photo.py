"""The profile photo: an uploaded image, cropped to a centred square, shown for the initials."""

import io

import pytest
from PIL import Image

from community import services
from community.models import User
from files.models import StoredFile
from forum import services as forum_services
from tests.files import samples
from tests.files.attach import gone, page_status, pdf, upload
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


def _striped_png(width=300, height=100) -> bytes:
    """Red left third, green middle, blue right third: the centre square is all green."""
    image = Image.new("RGB", (width, height))
    third = width // 3
    for x in range(width):
        colour = (255, 0, 0) if x < third else (0, 255, 0) if x < 2 * third else (0, 0, 255)
        for y in range(height):
            image.putpixel((x, y), colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_photo_is_cropped_to_its_centre_square_and_members_carry_its_url(
    member_api, api_client, member, other
):
    file = upload(member, "portrait.png", _striped_png())
    response = member_api.patch("/api/members/me/", {"photo": str(file.pk)}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["photo"] == str(file.pk)
    assert response.json()["photo_url"] == file.get_thumbnail_url()
    file.refresh_from_db()
    assert file.width == file.height == 100
    with file.blob.open("rb") as handle:
        image = Image.open(handle)
        image.load()
    assert image.size == (100, 100)
    assert {image.getpixel((0, 50))[:3], image.getpixel((99, 50))[:3]} == {(0, 255, 0)}
    # Everyone sees it; the member list and the member carry the URL.
    api_client.force_authenticate(other)
    assert (
        api_client.get(f"/api/members/{member.pk}/").json()["photo_url"] == file.get_thumbnail_url()
    )
    assert api_client.get(file.get_thumbnail_url()).status_code in (200, 302)


def test_a_member_without_photo_has_photo_url_null(member_api):
    assert member_api.get("/api/members/me/").json()["photo_url"] is None


def test_a_new_photo_replaces_the_old_one_and_null_removes_it(member_api, member):
    first, second = upload(member), upload(member)
    member_api.patch("/api/members/me/", {"photo": str(first.pk)}, format="json")
    member_api.patch("/api/members/me/", {"photo": str(second.pk)}, format="json")
    assert gone(first)
    response = member_api.patch("/api/members/me/", {"photo": None}, format="json")
    assert response.status_code == 200 and response.json()["photo_url"] is None
    assert gone(second)
    assert User.objects.get(pk=member.pk).photo_id is None


def test_a_document_is_no_photo_and_someone_elses_image_neither(member_api, member, other):
    document = pdf(member)
    response = member_api.patch("/api/members/me/", {"photo": str(document.pk)}, format="json")
    assert response.status_code == 400 and "photo" in response.json()
    assert StoredFile.objects.get(pk=document.pk).attached_type_id is None
    foreign = upload(other)
    response = member_api.patch("/api/members/me/", {"photo": str(foreign.pk)}, format="json")
    assert response.status_code == 400
    response = member_api.patch("/api/members/me/", {"photo": "kein-bild"}, format="json")
    assert response.status_code == 400
    assert User.objects.get(pk=member.pk).photo_id is None


def test_the_avatar_shows_the_photo_where_there_is_one_and_the_initials_otherwise(
    client, member, other, thread
):
    file = upload(member, "gesicht.jpg", samples.jpeg_with_gps())
    services.member_update_me(member=member, photo=file.pk)
    member.refresh_from_db()
    forum_services.post_create(author=other, thread=thread, body="Antwort")
    client.force_login(other)
    page = client.get(f"/forum/thema/{thread.pk}/?seite=1").content.decode()
    assert member.photo_url in page  # the thread's first post is the member's
    assert f'aria-hidden="true">{other.initials}</span>' in page
    assert member.photo_url in client.get(member.get_absolute_url()).content.decode()
    assert page_status(client, other, file, thumbnail=True) == 200


def test_the_member_list_costs_the_same_with_photos(
    member_api, make_member, django_assert_num_queries
):
    def grow():
        for _ in range(8):
            person = make_member()
            services.member_update_me(member=person, photo=upload(person).pk)

    assert_constant_queries(
        member_api, "/api/members/", grow, django_assert_num_queries, status=200, warm_up=True
    )
