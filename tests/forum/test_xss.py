"""The XSS corpus through posts, titles, quotes, mentions and previews: nothing executable."""

import pytest

from core.text import repair_one_line
from forum import services
from tests.forum.xss import XSS_PAYLOADS, assert_safe, page_problems

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_posts_and_their_edits_stay_safe(payload, thread, other):
    post = services.post_create(author=other, thread=thread, body=payload)
    assert_safe(post.body_html)
    services.post_update(editor=other, post=post, body=payload + "\n\nmehr")
    post.refresh_from_db()
    assert_safe(post.body_html)
    assert_safe(post.revisions.get().body_html)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_quotes_and_mentions_of_payloads_stay_safe(payload, thread, other, member):
    evil = services.post_create(author=other, thread=thread, body=payload)
    quoted = services.post_create(
        author=member,
        thread=thread,
        body=services.quote_source(post=evil) + f"@{other.handle} {payload}",
    )
    assert_safe(quoted.body_html)
    assert f'href="/menschen/{other.handle}/"' in quoted.body_html


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_previews_stay_safe(payload, member_client):
    response = member_client.post("/forum/vorschau/", {"body": payload})
    assert response.status_code == 200
    assert_safe(response.json()["html"])


def test_hostile_titles_and_bodies_are_inert_on_every_page(
    member_client, make_thread, other, member
):
    for payload in XSS_PAYLOADS[:25]:
        # A title is one line: tabs and line breaks in a payload would be refused.
        thread = make_thread(other, title=repair_one_line(payload[:200]), body=payload)
        services.post_create(author=member, thread=thread, body=payload)
    thread = make_thread(other, title="<script>alert(1)</script>", body="\n\n".join(XSS_PAYLOADS))
    services.post_create(
        author=member, thread=thread, body=services.quote_source(post=thread.posts.get())
    )
    pages = [
        "/forum/",
        "/forum/kategorie/austausch/",
        f"/forum/thema/{thread.pk}/?seite=1",
        "/forum/suche/?q=alert",
        "/benachrichtigungen/",
    ]
    for url in pages:
        html = member_client.get(url).content.decode()
        assert page_problems(html) == [], url
