"""Live pieces: a post or thread arriving live is the server's HTML for that viewer."""

import re

import pytest
from channels.db import database_sync_to_async

from forum import services
from tests.forum.test_live import _close_thread_connection, socket


def article(html: str, post_id: int) -> str:
    match = re.search(rf'<article[^>]*data-post-id="{post_id}".*?</article>', html, re.S)
    assert match, post_id
    return match.group(0)


@pytest.mark.django_db
def test_a_fetched_post_is_the_same_html_as_in_the_page(member_client, thread, reply):
    page = member_client.get(f"/forum/thema/{thread.pk}/?seite=1").content.decode()
    fragment = member_client.get(f"/forum/beitrag/{reply.pk}/html/")
    assert fragment.status_code == 200
    assert fragment.content.decode().strip() == article(page, reply.pk).strip()


@pytest.mark.django_db
def test_a_fetched_post_shows_each_viewer_their_actions(client, thread, reply, member, other):
    url = f"/forum/beitrag/{reply.pk}/html/"
    # The thread's author: quote, react, flag, choose the solution; not edit.
    client.force_login(member)
    html = client.get(url).content.decode()
    for action in ("Zitieren", "Als Lösung markieren", "Melden", 'value="thanks"'):
        assert action in html
    assert "Bearbeiten" not in html and "Ausblenden" not in html and " disabled" not in html
    # The reply's author: edit and delete; no flag, no reactions on their own post.
    client.force_login(other)
    html = client.get(url).content.decode()
    assert "Bearbeiten" in html and "Löschen" in html and "Melden" not in html
    assert " disabled" in html and "Als Lösung markieren" not in html


@pytest.mark.django_db
def test_moderators_get_their_actions_in_a_fetched_post(client, reply, moderator):
    client.force_login(moderator)
    html = client.get(f"/forum/beitrag/{reply.pk}/html/").content.decode()
    for action in ("Ausblenden", "Bearbeiten", "Als Lösung markieren", "Melden"):
        assert action in html
    hide = client.get(f"/forum/beitrag/{reply.pk}/ausblenden/")
    assert hide.status_code == 200 and 'name="reason"' in hide.content.decode()
    assert client.post(f"/forum/beitrag/{reply.pk}/ausblenden/", {"reason": ""}).status_code == 400
    client.post(f"/forum/beitrag/{reply.pk}/ausblenden/", {"reason": "Werbung"})
    html = client.get(f"/forum/beitrag/{reply.pk}/html/").content.decode()
    assert "Wieder einblenden" in html and "Werbung" in html


@pytest.mark.django_db
def test_post_html_holds_no_csrf_token_and_posts_through_the_page_form(thread, reply, member):
    from django.test import Client

    from forum.models import Reaction

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    page = browser.get(f"/forum/thema/{thread.pk}/?seite=1").content.decode()
    assert page.count('id="forum-action"') == 1
    post = article(page, reply.pk)
    assert "csrfmiddlewaretoken" not in post
    assert f'form="forum-action" formaction="/forum/beitrag/{reply.pk}/loesung/"' in post
    # Without JavaScript a button submits the page's form to its formaction.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(
        f"/forum/beitrag/{reply.pk}/reaktion/",
        {"csrfmiddlewaretoken": token, "reaction": "thanks"},
    )
    assert response.status_code == 302
    assert Reaction.objects.filter(post=reply, member=member, kind="thanks").exists()


@pytest.mark.django_db
def test_cached_posts_follow_every_change(member_client, thread, reply, member, other, moderator):
    url = f"/forum/thema/{thread.pk}/?seite=1"
    assert "reaction-count" not in article(member_client.get(url).content.decode(), reply.pk)
    services.reaction_toggle(member=member, post=reply, kind="thanks")
    post = article(member_client.get(url).content.decode(), reply.pk)
    assert 'aria-pressed="true"' in post and '<span class="reaction-count">1</span>' in post
    services.post_update(editor=other, post=reply, body="Jetzt **anders**.")
    post = article(member_client.get(url).content.decode(), reply.pk)
    assert "<strong>anders</strong>" in post and "bearbeitet" in post
    services.solution_accept(member=member, post=reply)
    assert "post-solution" in article(member_client.get(url).content.decode(), reply.pk)
    services.post_hide(moderator=moderator, post=reply, reason="Zu privat")
    post = article(member_client.get(url).content.decode(), reply.pk)
    assert "Zu privat" in post and "anders" not in post


@pytest.mark.django_db
def test_a_thread_row_is_fetched_as_the_viewer_sees_it(member_client, make_thread, other):
    from django.test import Client

    thread = make_thread(other, title="Frisch begonnen")
    row = member_client.get(f"/forum/thema/{thread.pk}/zeile/")
    assert row.status_code == 200
    html = row.content.decode()
    assert html.startswith('<li class="thread-row thread-unread"') and "Frisch begonnen" in html
    assert "neu" in html
    assert member_client.get("/forum/thema/999999/zeile/").status_code == 404
    assert Client().get(f"/forum/thema/{thread.pk}/zeile/").status_code in (302, 404)


@pytest.mark.django_db(transaction=True)
async def test_an_open_thread_list_hears_of_a_new_thread(member, other, category):
    from community import services as community_services

    token = await database_sync_to_async(community_services.member_token)(member=member)
    ws = socket(f"/ws/forum/categories/{category.slug}/", token)
    connected, _ = await ws.connect()
    assert connected
    assert await ws.receive_json_from() == {"type": "ready"}
    thread = await database_sync_to_async(services.thread_create)(
        author=other, category=category, title="Neu im Netz", body="Hallo **alle**"
    )
    event = await ws.receive_json_from(timeout=5)
    assert event["type"] == "thread"
    assert event["thread"]["id"] == thread.pk and event["thread"]["title"] == "Neu im Netz"
    assert event["thread"]["body_html"] == "<p>Hallo <strong>alle</strong></p>"
    assert event["thread"]["url"] == f"/forum/thema/{thread.pk}/"
    await ws.disconnect()
    await _close_thread_connection()


@pytest.mark.django_db(transaction=True)
async def test_moving_the_solution_refreshes_the_previous_one_live(thread, member, other):
    from community import services as community_services

    first = await database_sync_to_async(services.post_create)(
        author=other, thread=thread, body="A"
    )
    second = await database_sync_to_async(services.post_create)(
        author=other, thread=thread, body="B"
    )
    await database_sync_to_async(services.solution_accept)(member=member, post=first)
    token = await database_sync_to_async(community_services.member_token)(member=member)
    ws = socket(f"/ws/forum/threads/{thread.pk}/", token)
    connected, _ = await ws.connect()
    assert connected
    assert await ws.receive_json_from() == {"type": "ready"}
    await database_sync_to_async(services.solution_accept)(member=member, post=second)
    events = [await ws.receive_json_from(timeout=5) for _ in range(2)]
    assert {(e["type"], e["post"]["id"], e["post"]["is_solution"]) for e in events} == {
        ("post_changed", first.pk, False),
        ("post_changed", second.pk, True),
    }
    await ws.disconnect()
    await _close_thread_connection()


@pytest.mark.django_db
def test_a_cache_outage_slows_the_thread_page_but_does_not_break_it(
    member_client, thread, reply, monkeypatch
):
    from forum import fragments

    def broken(*args, **kwargs):
        raise ConnectionError("redis is gone")

    monkeypatch.setattr(fragments.django_cache, "get_many", broken)
    page = member_client.get(f"/forum/thema/{thread.pk}/?seite=1")
    assert page.status_code == 200
    assert "Wir nutzen enaio seit 2023." in article(page.content.decode(), reply.pk)
