"""The forum's REST API as docs/api.md promises it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from forum import services
from forum.models import Post, Thread

pytestmark = pytest.mark.django_db

LIST_KEYS = {"count", "next", "previous", "results"}


@pytest.fixture
def other_api(other):
    client = APIClient()
    client.force_authenticate(other)
    return client


def test_anonymous_clients_get_no_forum_data(api_client, thread):
    for url in (
        "/api/forum/categories/",
        "/api/forum/threads/",
        f"/api/forum/threads/{thread.pk}/posts/",
    ):
        assert api_client.get(url).status_code in (401, 403)


def test_categories_are_listed_by_slug(member_api):
    response = member_api.get("/api/forum/categories/")
    assert response.status_code == 200
    assert set(response.json()) == LIST_KEYS
    slugs = [c["slug"] for c in response.json()["results"]]
    assert slugs[0] == "ankuendigungen" and "e-akte" in slugs
    detail = member_api.get("/api/forum/categories/ankuendigungen/").json()
    assert detail["moderators_only_threads"] is True


def test_posting_a_thread_creates_its_first_post(member_api, member):
    response = member_api.post(
        "/api/forum/threads/",
        {
            "category": "e-akte",
            "title": "Scanner",
            "body": "Welcher **Scanner**?",
            "tags": ["e-akte-dms"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["category"] == "e-akte" and data["post_count"] == 1
    assert data["body"] == "Welcher **Scanner**?"
    assert data["body_html"] == "<p>Welcher <strong>Scanner</strong>?</p>"
    assert data["author"]["handle"] == member.handle
    posts = member_api.get(f"/api/forum/threads/{data['id']}/posts/").json()
    assert posts["count"] == 1 and posts["results"][0]["body"] == "Welcher **Scanner**?"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"category": "e-akte", "title": "x" * 201, "body": "Text"}, "title"),
        ({"category": "e-akte", "title": "", "body": "Text"}, "title"),
        ({"category": "e-akte", "title": "   ", "body": "Text"}, "title"),
        ({"category": "e-akte", "title": "Titel", "body": ""}, "body"),
        ({"category": "e-akte", "title": "Titel", "body": "x" * 20001}, "body"),
        ({"category": "gibt-es-nicht", "title": "Titel", "body": "Text"}, "category"),
        ({"title": "Titel", "body": "Text"}, "category"),
        ({"category": "e-akte", "title": "Titel", "body": "Text", "tags": ["nix"]}, "tags"),
        ({"category": "e-akte", "title": "Titel", "body": "Text", "project": 999999}, "project"),
        ({"category": "e-akte", "title": ["a"], "body": {"x": 1}}, "title"),
    ],
)
def test_bad_threads_get_400_naming_the_field_and_store_nothing(member_api, payload, field):
    response = member_api.post("/api/forum/threads/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_members_cannot_start_announcements(member_api):
    response = member_api.post(
        "/api/forum/threads/",
        {"category": "ankuendigungen", "title": "Hallo", "body": "Text"},
        format="json",
    )
    assert response.status_code == 403
    assert "Moderation" in response.json()["detail"]
    assert not Thread.objects.exists()


def test_replies_page_by_number_in_the_list_shape(member_api, thread, other):
    for n in range(4):
        services.post_create(author=other, thread=thread, body=f"Antwort {n}")
    url = f"/api/forum/threads/{thread.pk}/posts/"
    first = member_api.get(url, {"page_size": 2}).json()
    assert set(first) == LIST_KEYS and first["count"] == 5
    assert [p["number"] for p in first["results"]] == [1, 2]
    assert first["previous"] is None
    last = member_api.get(first["next"]).json()
    last = member_api.get(last["next"]).json()
    assert [p["number"] for p in last["results"]] == [5] and last["next"] is None
    assert member_api.get(url, {"page": 99}).status_code == 404
    assert member_api.get(url, {"page": "x"}).status_code == 404
    assert len(member_api.get(url, {"page_size": 1000}).json()["results"]) == 5


def test_a_reply_is_posted_with_body(member_api, thread):
    response = member_api.post(
        f"/api/forum/threads/{thread.pk}/posts/", {"body": "Gern <script>x</script>"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["number"] == 2
    assert "<script" not in response.json()["body_html"]
    assert (
        member_api.post(
            f"/api/forum/threads/{thread.pk}/posts/", {"body": " "}, format="json"
        ).status_code
        == 400
    )
    assert "body" in member_api.post(f"/api/forum/threads/{thread.pk}/posts/", {}).json()


def test_locked_threads_refuse_replies_with_403(member_api, thread, moderator):
    services.thread_moderate(moderator=moderator, thread=thread, locked=True)
    response = member_api.post(
        f"/api/forum/threads/{thread.pk}/posts/", {"body": "Hallo"}, format="json"
    )
    assert response.status_code == 403
    assert "geschlossen" in response.json()["detail"]
    assert Post.objects.count() == 1


def test_only_author_or_moderator_changes_a_post(member_api, other_api, reply, moderator):
    url = f"/api/forum/posts/{reply.pk}/"
    assert member_api.get(url).json()["body"] == reply.body
    assert member_api.patch(url, {"body": "fremd"}, format="json").status_code == 403
    assert member_api.delete(url).status_code == 403
    response = other_api.patch(url, {"body": "neu"}, format="json")
    assert response.status_code == 200 and response.json()["body_html"] == "<p>neu</p>"
    assert response.json()["edited_at"] is not None
    assert other_api.patch(url, {"body": ""}, format="json").status_code == 400
    assert other_api.delete(url).status_code == 204
    tombstone = member_api.get(url).json()
    assert tombstone["is_deleted"] and tombstone["body"] == "" and tombstone["body_html"] == ""


def test_missing_objects_are_404(member_api):
    for url in (
        "/api/forum/threads/999999/",
        "/api/forum/threads/999999/posts/",
        "/api/forum/posts/999999/",
        "/api/forum/categories/nix/",
        "/api/forum/posts/99999999999999999999999/",
    ):
        assert member_api.get(url).status_code == 404, url


def test_reactions_solution_and_flags_over_the_api(member_api, other_api, reply):
    url = f"/api/forum/posts/{reply.pk}/"
    assert member_api.post(url + "reactions/", {"reaction": "thanks"}, format="json").json() == {
        "active": True
    }
    assert (
        member_api.post(url + "reactions/", {"reaction": "nope"}, format="json").status_code == 400
    )
    assert other_api.post(url + "solution/").status_code == 403
    assert member_api.post(url + "solution/").json()["is_solution"] is True
    assert member_api.post(url + "flag/", {"reason": ""}, format="json").status_code == 400
    assert member_api.post(url + "flag/", {"reason": "Spam"}, format="json").status_code == 201
    assert member_api.post(url + "flag/", {"reason": "Spam"}, format="json").status_code == 400


def test_moderators_pin_lock_and_hide_over_the_api(
    api_client, member_api, moderator, thread, reply
):
    assert (
        member_api.patch(
            f"/api/forum/threads/{thread.pk}/", {"locked": True}, format="json"
        ).status_code
        == 403
    )
    api_client = APIClient()
    api_client.force_authenticate(moderator)
    response = api_client.patch(
        f"/api/forum/threads/{thread.pk}/", {"locked": True, "pinned": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["locked"] and response.json()["pinned"]
    hidden = api_client.post(f"/api/forum/posts/{reply.pk}/hide/", {"reason": "Ton"}, format="json")
    assert hidden.json()["is_hidden"] is True and hidden.json()["body"] == reply.body
    seen = member_api.get(f"/api/forum/posts/{reply.pk}/").json()
    assert seen["is_hidden"] and seen["body"] == "" and seen["hidden_reason"] == "Ton"


def test_thread_list_filters_and_reports_unread(member_api, make_thread, other, member):
    make_thread(other, title="Eins")
    make_thread(other, title="Zwei", category=services.Category.objects.get(slug="e-akte"))
    data = member_api.get("/api/forum/threads/", {"category": "e-akte"}).json()
    assert [t["title"] for t in data["results"]] == ["Zwei"]
    assert data["results"][0]["unread_count"] == 1


def test_list_endpoints_use_a_fixed_number_of_queries(
    member_api, make_thread, other, member, django_assert_num_queries
):
    thread = make_thread(other)
    services.post_create(author=member, thread=thread, body="x")

    def measure(url):
        with CaptureQueriesContext(connection) as ctx:
            assert member_api.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [
        "/api/forum/threads/",
        f"/api/forum/threads/{thread.pk}/posts/",
        "/api/forum/categories/",
    ]
    few = {url: measure(url) for url in urls}
    for n in range(15):
        more = make_thread(other, title=f"Thema {n}")
        services.post_create(author=member, thread=more, body="y")
        reply = services.post_create(author=other, thread=thread, body=f"Antwort {n}")
        services.reaction_toggle(member=member, post=reply, kind="thanks")
    for url in urls:
        with django_assert_num_queries(few[url]):
            assert member_api.get(url).status_code == 200


@pytest.mark.parametrize(
    "payload",
    [{"tags": ["e-akte\u0000"]}, {"category": "austausch\u0000"}, {"title": "Null\u0000"}],
)
def test_a_nul_character_in_a_body_is_a_400_and_changes_nothing(member_api, thread, payload):
    """PostgreSQL text cannot hold NUL: the API refuses it before any field looks it up."""
    response = member_api.patch(f"/api/forum/threads/{thread.pk}/", payload, format="json")
    assert response.status_code == 400
    assert "Nullzeichen" in response.content.decode()
    thread.refresh_from_db()
    assert thread.title == "Erfahrungen mit der E-Akte"


def test_a_nul_character_in_a_form_body_is_a_400(member_api, thread):
    response = member_api.post(
        f"/api/forum/threads/{thread.pk}/posts/", {"body": "Null\u0000zeichen"}, format="multipart"
    )
    assert response.status_code == 400
    assert thread.posts.count() == 1


@pytest.mark.parametrize("query", ["?category=%00", "?tag=%00", "?category=a%00b&tag=%00"])
def test_a_nul_character_in_a_list_filter_finds_nothing(member_api, thread, query):
    response = member_api.get("/api/forum/threads/" + query)
    assert response.status_code == 200
    assert response.json()["results"] == []
