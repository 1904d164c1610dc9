"""The forum's pages: lists, threads, composer, moderation; reading quiets the bell."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import Expertise
from forum import services
from forum.models import Flag, Post, Thread
from notifications.models import Notification
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_forum_index_and_category_list_threads(member_client, make_thread, other, category):
    make_thread(other, title="Fachverfahren anbinden")
    assert "Fachverfahren anbinden" in member_client.get("/forum/").content.decode()
    page = member_client.get(f"/forum/kategorie/{category.slug}/").content.decode()
    assert "Fachverfahren anbinden" in page and "neu" in page


def test_forum_index_queries_do_not_grow(
    member_client, make_thread, other, member, django_assert_num_queries
):
    make_thread(other)

    def grow():
        for n in range(20):
            thread = make_thread(other, title=f"Thema {n}", tags=list(Expertise.objects.all()[:2]))
            services.post_create(author=member, thread=thread, body="x")

    assert_constant_queries(member_client, "/forum/", grow, django_assert_num_queries, status=200)


def test_category_page_queries_do_not_grow(
    member_client, make_thread, other, member, category, django_assert_num_queries
):
    make_thread(other)

    def grow():
        for n in range(40):
            thread = make_thread(other, title=f"Thema {n}", tags=list(Expertise.objects.all()[:2]))
            services.post_create(author=member, thread=thread, body="x")

    assert_constant_queries(
        member_client,
        f"/forum/kategorie/{category.slug}/",
        grow,
        django_assert_num_queries,
        status=200,
    )


def test_thread_page_queries_do_not_grow(
    member_client, thread, other, member, django_assert_num_queries
):
    def grow():
        for n in range(60):
            post = services.post_create(author=other, thread=thread, body=f"Antwort {n}")
            services.reaction_toggle(member=member, post=post, kind="thanks")

    url = f"/forum/thema/{thread.pk}/?seite=1"
    assert_constant_queries(member_client, url, grow, django_assert_num_queries, status=200)
    with CaptureQueriesContext(connection) as first:
        assert member_client.get(url).status_code == 200
    for page in ("2", "letzte"):
        with django_assert_num_queries(len(first.captured_queries)):
            assert member_client.get(f"/forum/thema/{thread.pk}/?seite={page}").status_code == 200


def test_category_list_pages_by_keyset(member_client, make_thread, other, category):
    for n in range(35):
        make_thread(other, title=f"Thema {n:02d}")
    first = member_client.get(f"/forum/kategorie/{category.slug}/")
    assert "Thema 34" in first.content.decode() and "Thema 04" not in first.content.decode()
    cursor = first.content.decode().split("?nach=")[1].split('"')[0]
    second = member_client.get(f"/forum/kategorie/{category.slug}/?nach={cursor}").content.decode()
    assert "Thema 04" in second and "Thema 34" not in second
    # A broken cursor means "from the start", not an error.
    assert member_client.get(f"/forum/kategorie/{category.slug}/?nach=x.y.z").status_code == 200


def test_opening_a_thread_jumps_to_the_first_unread_post(member_client, thread, other, member):
    for n in range(25):
        services.post_create(author=other, thread=thread, body=f"Antwort {n}")
    services.thread_mark_read(member=member, thread=thread, number=22)
    response = member_client.get(f"/forum/thema/{thread.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/forum/thema/{thread.pk}/?seite=2#beitrag-23"
    member_client.get(response["Location"])
    assert member_client.get(f"/forum/thema/{thread.pk}/").status_code == 200


def test_reading_a_thread_quiets_its_notifications(member_client, thread, other, member):
    services.post_create(author=other, thread=thread, body="Antwort")
    assert Notification.objects.filter(recipient=member, read_at__isnull=True).count() == 1
    member_client.get(f"/forum/thema/{thread.pk}/", follow=True)
    assert Notification.objects.filter(recipient=member, read_at__isnull=True).count() == 0


def test_bad_page_numbers_are_404(member_client, thread):
    for page in ("0", "3", "x", "-1", "99999999999999999999"):
        assert member_client.get(f"/forum/thema/{thread.pk}/?seite={page}").status_code == 404


def test_a_reply_through_the_page(member_client, thread):
    response = member_client.post(f"/forum/thema/{thread.pk}/antworten/", {"body": "Danke!"})
    assert response.status_code == 302
    assert thread.posts.count() == 2
    empty = member_client.post(f"/forum/thema/{thread.pk}/antworten/", {"body": "  "})
    assert empty.status_code == 200 and thread.posts.count() == 2


def test_starting_a_thread_through_the_page(member_client, member):
    response = member_client.post(
        "/forum/neu/",
        {"category": "e-akte", "title": "Neu", "body": "Text", "tags": ["e-akte-dms"]},
    )
    assert response.status_code == 302
    thread = Thread.objects.get()
    assert list(thread.tags.values_list("slug", flat=True)) == ["e-akte-dms"]
    refused = member_client.post(
        "/forum/neu/", {"category": "ankuendigungen", "title": "Neu", "body": "Text"}
    )
    assert refused.status_code == 200 and Thread.objects.count() == 1


def test_the_new_thread_form_can_start_with_a_mention(member_client, other):
    page = member_client.get(f"/forum/neu/?text=@{other.handle}").content.decode()
    assert f"@{other.handle}</textarea>" in page


def test_quoting_fills_the_reply_form(member_client, thread, reply, other):
    page = member_client.get(f"/forum/thema/{thread.pk}/antworten/?zitat={reply.pk}").content
    assert f"&gt; **@{other.handle}**".encode() in page


def test_editing_someone_elses_post_is_forbidden(member_client, reply):
    assert member_client.get(f"/forum/beitrag/{reply.pk}/bearbeiten/").status_code == 403
    assert (
        member_client.post(f"/forum/beitrag/{reply.pk}/bearbeiten/", {"body": "x"}).status_code
        == 403
    )
    assert member_client.post(f"/forum/beitrag/{reply.pk}/loeschen/").status_code == 403
    assert Post.objects.get(pk=reply.pk).body == "Wir nutzen enaio seit 2023."


def test_the_edit_history_is_visible_to_everybody(client, thread, member, other):
    post = thread.posts.get()
    services.post_update(editor=member, post=post, body="Zweite Fassung")
    client.force_login(other)
    page = client.get(f"/forum/beitrag/{post.pk}/versionen/").content.decode()
    assert "Zweite Fassung" in page and "Wer hat schon umgestellt?" in page


def test_preview_renders_like_saving(member_client, other):
    response = member_client.post("/forum/vorschau/", {"body": f"**fett** @{other.handle}"})
    assert response.json()["html"].startswith("<p><strong>fett</strong> <a href=")
    assert member_client.post("/forum/vorschau/", {"body": "x" * 20001}).status_code == 400


def test_mention_autocomplete_finds_handles_and_names(member_client, other):
    data = member_client.get("/forum/erwaehnen/", {"q": "olaf"}).json()
    assert {"handle": other.handle, "display_name": "Olaf Otto"} in data["results"]
    assert member_client.get("/forum/erwaehnen/", {"q": "@" + other.handle[:3]}).status_code == 200


def test_moderation_queue_is_for_moderators_only(client, member_client, moderator, reply, member):
    services.flag_create(member=member, post=reply, reason="Werbung")
    assert member_client.get("/forum/moderation/").status_code == 404
    client.force_login(moderator)
    assert "Werbung" in client.get("/forum/moderation/").content.decode()
    flag = Flag.objects.get()
    client.post(f"/forum/meldung/{flag.pk}/erledigt/")
    assert "Meldung erledigt" in client.get("/forum/moderation/").content.decode()


def test_moderation_queue_queries_do_not_grow(
    client, moderator, make_thread, other, member, reply, django_assert_num_queries
):
    services.flag_create(member=member, post=reply, reason="Werbung")
    client.force_login(moderator)

    def grow():
        for n in range(10):
            thread = make_thread(other, title=f"Thema {n}")
            flagged = services.post_create(author=other, thread=thread, body=f"Antwort {n}")
            services.flag_create(member=member, post=flagged, reason=f"Grund {n}")
            hidden = services.post_create(author=other, thread=thread, body=f"Spam {n}")
            services.post_hide(moderator=moderator, post=hidden, reason="Werbung")
            services.thread_update(editor=moderator, thread=thread, title=f"Thema {n} (neu)")

    assert_constant_queries(
        client, "/forum/moderation/", grow, django_assert_num_queries, status=200
    )
    page = client.get("/forum/moderation/").content.decode()
    assert "Grund 9" in page and "Thema 9 (neu) #3" in page


def test_flag_reply_and_solution_through_pages(member_client, thread, reply):
    assert (
        member_client.post(f"/forum/beitrag/{reply.pk}/melden/", {"reason": "Ton"}).status_code
        == 302
    )
    member_client.post(f"/forum/beitrag/{reply.pk}/reaktion/", {"reaction": "thanks"})
    member_client.post(f"/forum/beitrag/{reply.pk}/loesung/")
    thread.refresh_from_db()
    assert thread.solution_id == reply.pk
    page = member_client.get(f"/forum/thema/{thread.pk}/?seite=1").content.decode()
    assert "post-solution" in page


def test_search_page(member_client, thread):
    page = member_client.get("/forum/suche/", {"q": "umgestellt"}).content.decode()
    assert thread.title in page
    assert member_client.get("/forum/suche/", {"q": "x" * 500}).status_code == 200


def test_expertise_page_lists_its_threads(member_client, make_thread, other):
    tag = Expertise.objects.get(slug="e-akte-dms")
    make_thread(other, title="Getaggtes Thema", tags=[tag])
    assert "Getaggtes Thema" in member_client.get(tag.get_absolute_url()).content.decode()


def test_profile_offers_to_mention_in_the_forum(member_client, other):
    page = member_client.get(other.get_absolute_url()).content.decode()
    assert f"/forum/neu/?text=%40{other.handle}" in page


def test_a_deleted_post_keeps_its_text_out_of_the_public_history(client, reply, other, member):
    services.post_delete(member=other, post=reply)
    client.force_login(member)
    page = client.get(f"/forum/beitrag/{reply.pk}/versionen/").content.decode()
    assert "enaio" not in page and "gelöscht" in page


def test_search_snippets_are_plain_text_with_the_hit_marked(member_client, make_thread, member):
    make_thread(
        member,
        title="Aktenplan",
        body="## Vorgehen\n\n- Schritt eins mit [enaio](https://example.org)\n- <b>zwei</b>",
    )
    page = member_client.get("/forum/suche/", {"q": "enaio"}).content.decode()
    snippet = page.split('<ol class="search-results">')[1].split("</ol>")[0]
    assert "Vorgehen Schritt eins mit <mark>enaio</mark> zwei" in snippet
    for syntax in ("##", "- Schritt", "](", "<b>"):
        assert syntax not in snippet
