"""Files on forum threads and posts: attach, replace, delete, who sees them, what it costs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import Role
from forum import services
from forum.models import Post
from tests.files.attach import api_status, gone, page_status, pdf, statuses, upload
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


# --- the API -------------------------------------------------------------------------
def test_a_thread_takes_files_on_its_first_post_and_shows_them(member_api, member, category):
    image, document = upload(member), pdf(member)
    response = member_api.post(
        "/api/forum/threads/",
        {
            "category": category.slug,
            "title": "Dienstanweisung",
            "body": "Anbei.",
            "attachments": [str(image.pk), str(document.pk)],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    files = response.json()["attachments"]
    assert [f["id"] for f in files] == [str(image.pk), str(document.pk)]
    assert files[0]["url"] == image.get_absolute_url()
    assert files[0]["thumbnail_url"] and files[1]["thumbnail_url"] is None
    first = Post.objects.get(thread_id=response.json()["id"], number=1)
    assert {f.pk for f in first.attachments.all()} == {image.pk, document.pk}
    listed = member_api.get("/api/forum/threads/").json()["results"][0]
    assert [f["id"] for f in listed["attachments"]] == [str(image.pk), str(document.pk)]


def test_a_reply_takes_files_and_every_member_sees_them(
    member_api, api_client, client, member, thread, make_member
):
    file = upload(member)
    response = member_api.post(
        f"/api/forum/threads/{thread.pk}/posts/",
        {"body": "Screenshot", "attachments": [str(file.pk)]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["attachments"][0]["id"] == str(file.pk)
    elsewhere = make_member()  # another municipality: the forum is the whole network's
    assert statuses(api_client, client, elsewhere, file) == (200, 200)
    assert page_status(client, elsewhere, file, thumbnail=True) == 200


def test_someone_elses_file_is_refused_and_nothing_is_posted(member_api, thread, other):
    foreign = upload(other)
    before = Post.objects.filter(thread=thread).count()
    response = member_api.post(
        f"/api/forum/threads/{thread.pk}/posts/",
        {"body": "Mit fremder Datei", "attachments": [str(foreign.pk)]},
        format="json",
    )
    assert response.status_code == 400
    assert "attachments" in response.json()
    assert Post.objects.filter(thread=thread).count() == before
    foreign.refresh_from_db()
    assert foreign.attached_type_id is None


def test_a_file_attached_elsewhere_cannot_be_attached_again(member_api, member, thread):
    file = upload(member)
    services.post_create(author=member, thread=thread, body="Erst hier", attachments=[file.pk])
    response = member_api.post(
        f"/api/forum/threads/{thread.pk}/posts/",
        {"body": "Dann dort", "attachments": [str(file.pk)]},
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "attachments", [["keine-uuid"], "nicht-einmal-eine-liste", [None], [{"id": 1}]]
)
def test_malformed_attachments_get_a_400_with_a_reason(member_api, thread, attachments):
    response = member_api.post(
        f"/api/forum/threads/{thread.pk}/posts/",
        {"body": "x", "attachments": attachments},
        format="json",
    )
    assert response.status_code == 400
    assert "attachments" in response.json()


def test_more_than_ten_files_are_refused(member_api, member, thread):
    files = [str(upload(member).pk) for _ in range(11)]
    response = member_api.post(
        f"/api/forum/threads/{thread.pk}/posts/", {"body": "x", "attachments": files}, format="json"
    )
    assert response.status_code == 400


def test_editing_replaces_the_files_and_deletes_the_ones_left_out(member_api, member, thread):
    old, kept, new = upload(member), upload(member), pdf(member)
    post = services.post_create(
        author=member, thread=thread, body="Version 1", attachments=[old.pk, kept.pk]
    )
    response = member_api.patch(
        f"/api/forum/posts/{post.pk}/", {"attachments": [str(kept.pk), str(new.pk)]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [f["id"] for f in response.json()["attachments"]] == [str(kept.pk), str(new.pk)]
    assert response.json()["body"] == "Version 1"  # the text stays when only files change
    assert gone(old) and not gone(kept) and not gone(new)
    post.refresh_from_db()
    assert post.version == 2 and post.edited_at is not None


def test_a_thread_patch_replaces_its_first_posts_files(member_api, member, make_thread):
    first, second = upload(member), upload(member)
    thread = make_thread(member, attachments=[first.pk])
    response = member_api.patch(
        f"/api/forum/threads/{thread.pk}/", {"attachments": [str(second.pk)]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [f["id"] for f in response.json()["attachments"]] == [str(second.pk)]
    assert gone(first)


def test_another_member_cannot_change_the_files_of_a_post(api_client, member, thread, other):
    file = upload(member)
    post = services.post_create(author=member, thread=thread, body="Meins", attachments=[file.pk])
    api_client.force_authenticate(other)
    response = api_client.patch(f"/api/forum/posts/{post.pk}/", {"attachments": []}, format="json")
    assert response.status_code == 403
    assert not gone(file)
    assert api_client.delete(f"/api/files/{file.pk}/").status_code in (403, 404)
    assert not gone(file)


def test_deleting_a_post_deletes_its_files(member_api, api_client, client, member, thread, other):
    file = upload(member)
    post = services.post_create(author=member, thread=thread, body="Weg", attachments=[file.pk])
    assert member_api.delete(f"/api/forum/posts/{post.pk}/").status_code == 204
    assert gone(file)
    assert statuses(api_client, client, other, file) == (404, 404)


def test_a_hidden_posts_files_are_for_the_moderators_only(
    api_client, client, member, thread, other, make_member
):
    file = upload(member)
    post = services.post_create(author=member, thread=thread, body="Heikel", attachments=[file.pk])
    moderator = make_member(role=Role.MODERATOR)
    services.post_hide(moderator=moderator, post=post, reason="Datenschutz")
    assert statuses(api_client, client, other, file) == (404, 404)
    assert statuses(api_client, client, moderator, file) == (200, 200)
    api_client.force_authenticate(other)
    data = api_client.get(f"/api/forum/posts/{post.pk}/").json()
    assert data["attachments"] == [] and data["body"] == ""


def test_a_deactivated_member_gets_404_for_a_file_they_could_see(
    api_client, client, member, thread, other
):
    file = upload(member)
    services.post_create(author=member, thread=thread, body="x", attachments=[file.pk])
    assert api_status(api_client, other, file) == 200
    other.is_active = False
    other.save(update_fields=["is_active"])
    assert api_status(api_client, other, file) == 404
    # In the browser the session no longer counts: sent to the sign-in page, never the file.
    assert page_status(client, other, file) in (302, 404)


def test_an_unattached_upload_is_its_uploaders_alone(api_client, client, member, other):
    file = upload(member)
    assert statuses(api_client, client, member, file) == (200, 200)
    assert statuses(api_client, client, other, file) == (404, 404)
    assert client.get(file.get_absolute_url()).status_code in (302, 401, 403, 404)


# --- the pages --------------------------------------------------------------------------
def test_the_reply_form_attaches_the_hidden_ids_and_the_thread_page_lists_them(
    client, member, thread, other
):
    file = pdf(member, name="Protokoll.pdf")
    client.force_login(member)
    response = client.post(
        f"/forum/thema/{thread.pk}/antworten/",
        {"body": "Protokoll anbei", "attachments": [file.pk]},
    )
    assert response.status_code == 302
    post = Post.objects.get(thread=thread, number=2)
    assert [f.pk for f in post.attachments.all()] == [file.pk]
    client.force_login(other)
    page = client.get(f"/forum/thema/{thread.pk}/?seite=1").content.decode()
    assert file.get_absolute_url() in page and "Protokoll.pdf" in page


def test_the_reply_form_refuses_a_foreign_file_with_the_form_again(client, member, thread, other):
    foreign = upload(other)
    client.force_login(member)
    response = client.post(
        f"/forum/thema/{thread.pk}/antworten/", {"body": "x", "attachments": [foreign.pk]}
    )
    assert response.status_code == 200
    assert Post.objects.filter(thread=thread).count() == 1


def test_editing_on_the_page_keeps_the_files_unless_the_list_is_sent(client, member, thread):
    file = upload(member)
    post = services.post_create(author=member, thread=thread, body="Alt", attachments=[file.pk])
    client.force_login(member)
    # A form without the uploader's inputs: the files stay.
    client.post(f"/forum/beitrag/{post.pk}/bearbeiten/", {"body": "Neu", "version": post.version})
    assert not gone(file)
    post.refresh_from_db()
    # The uploader's form sends its (now empty) list with the marker: the file goes.
    client.post(
        f"/forum/beitrag/{post.pk}/bearbeiten/",
        {"body": "Neuer", "version": post.version, "attachments_sent": "1"},
    )
    assert gone(file)


# --- what it costs -----------------------------------------------------------------------
def _fifty_posts_twenty_with_images(thread, member, other):
    for n in range(49):
        files = [upload(other).pk] if n < 20 else None
        services.post_create(author=other, thread=thread, body=f"Antwort {n}", attachments=files)


def test_a_thread_page_with_images_costs_what_one_without_does(
    member_client, thread, member, other, django_assert_num_queries
):
    url = f"/forum/thema/{thread.pk}/?seite=1"
    assert_constant_queries(
        member_client,
        url,
        lambda: _fifty_posts_twenty_with_images(thread, member, other),
        django_assert_num_queries,
        status=200,
    )


def test_fifty_posts_with_twenty_images_cost_what_fifty_without_do(
    member_api, make_thread, member, other
):
    plain, pictured = make_thread(other, title="Ohne"), make_thread(other, title="Mit")
    for n in range(49):
        services.post_create(author=other, thread=plain, body=f"Antwort {n}")
    _fifty_posts_twenty_with_images(pictured, member, other)

    def count(thread):
        with CaptureQueriesContext(connection) as queries:
            response = member_api.get(f"/api/forum/threads/{thread.pk}/posts/?page_size=50")
        assert response.status_code == 200
        assert len(response.json()["results"]) == 50
        return len(queries), response.json()

    (without, _), (with_images, data) = count(plain), count(pictured)
    assert without == with_images
    assert sum(1 for post in data["results"] if post["attachments"]) == 20


def test_the_thread_list_costs_the_same_with_files_on_first_posts(
    member_api, make_thread, member, other, django_assert_num_queries
):
    make_thread(other)

    def grow():
        for n in range(15):
            make_thread(member, title=f"Thema {n}", attachments=[upload(member).pk])

    assert_constant_queries(
        member_api, "/api/forum/threads/", grow, django_assert_num_queries, status=200
    )
