"""The forum in Chromium: live replies and the solution, and the XSS corpus in a real page.

pytest-django's live_server speaks no WebSocket, so the live test runs a real
daphne on the test database (tests/servers.py).
"""

import contextlib
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from forum import services
from tests.browser.conftest import chromium, page, sign_in_by_form  # noqa: F401  (Chromium fixtures)
from tests.forum.conftest import _category
from tests.forum.xss import XSS_PAYLOADS
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser, base_url, member):
    from django.test import Client

    client = Client()
    client.force_login(member)
    context = browser.new_context(base_url=base_url, locale="de-DE")
    context.set_default_timeout(10_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    return context, context.new_page()


@contextlib.contextmanager
def anna_and_olaf(browser, member, other):
    """Two members' pages on a real daphne (live updates need its sockets)."""
    _category("austausch")
    with daphne() as address:
        base = f"http://{address}"
        anna_context, anna = signed_in(browser, base, member)
        olaf_context, olaf = signed_in(browser, base, other)
        try:
            yield anna, olaf
        finally:
            anna_context.close()
            olaf_context.close()


def test_a_reply_appears_live_and_becomes_the_solution(
    chromium,  # noqa: F811
    member,
    other,
):
    with anna_and_olaf(chromium, member, other) as (anna, olaf):
        anna.goto("/forum/neu/")
        anna.get_by_label("Kategorie").select_option(label="Austausch der Lotsen")
        anna.get_by_label("Titel").fill("Welche Scanner nutzt ihr?")
        anna.get_by_label("Text", exact=False).first.fill("Wir suchen **Duplex**-Scanner.")
        expect(anna.locator(".composer-preview strong")).to_have_text("Duplex")
        anna.get_by_role("button", name="Thema beginnen").click()
        expect(anna.get_by_role("heading", level=1)).to_have_text("Welche Scanner nutzt ihr?")
        thread_url = anna.url
        anna.wait_for_timeout(300)  # the socket connects

        olaf.goto(thread_url)
        olaf.get_by_label("Text", exact=False).first.fill("Wir nutzen _Fujitsu_.")
        olaf.get_by_role("button", name="Antworten").click()
        expect(olaf.locator("#beitrag-2")).to_contain_text("Wir nutzen Fujitsu.")

        live = anna.locator("#beitrag-2.post-live")
        expect(live.locator("em")).to_have_text("Fujitsu")
        expect(anna.locator("#forum-live")).to_contain_text("Olaf Otto")
        # The live post carries every action a reload would show Anna (the thread's
        # author, not the post's): quote, react, flag, choose the solution – not edit.
        expect(live.get_by_role("link", name="Zitieren")).to_be_visible()
        expect(live.get_by_role("link", name="Melden")).to_be_visible()
        expect(live.get_by_role("button", name="Danke")).to_be_enabled()
        expect(live.get_by_role("link", name="Bearbeiten")).to_have_count(0)
        expect(live.get_by_role("button", name="Löschen")).to_have_count(0)
        live.get_by_role("button", name="Danke").click()  # posts the page's one form
        expect(anna.locator("#beitrag-2 .reaction-count")).to_have_text("1")
        anna.locator("#beitrag-2").get_by_role("button", name="Als Lösung markieren").click()
        expect(anna.locator("#beitrag-2.post-solution")).to_be_visible()
        expect(anna.locator("#beitrag-2")).to_contain_text("Lösung")

        # Anna answers; on Olaf's open page her post arrives live with his actions.
        anna.get_by_label("Text", exact=False).first.fill("Danke, das hilft!")
        anna.get_by_role("button", name="Antworten").click()
        expect(anna.locator("#beitrag-3")).to_contain_text("Danke, das hilft!")
        theirs = olaf.locator("#beitrag-3.post-live")
        expect(theirs).to_contain_text("Danke, das hilft!")
        expect(theirs.get_by_role("link", name="Zitieren")).to_be_visible()
        expect(theirs.get_by_role("link", name="Melden")).to_be_visible()
        expect(theirs.get_by_role("button", name="Als Lösung markieren")).to_have_count(0)
        # Olaf's own post, changed live (Anna chose it as the solution), keeps his
        # edit and delete actions and loses nothing.
        own = olaf.locator("#beitrag-2")
        expect(own).to_have_class(re.compile(r"post-solution"))
        expect(own.get_by_role("link", name="Bearbeiten")).to_be_visible()
        expect(own.get_by_role("button", name="Danke")).to_be_disabled()


def test_a_new_thread_appears_live_in_the_open_category(
    chromium,  # noqa: F811
    member,
    other,
):
    with anna_and_olaf(chromium, member, other) as (anna, olaf):
        olaf.goto("/forum/kategorie/austausch/")
        expect(olaf.get_by_text("Noch keine Themen.")).to_be_visible()
        olaf.wait_for_timeout(300)  # the socket connects
        anna.goto("/forum/neu/?kategorie=austausch")
        anna.get_by_label("Titel").fill("Förderprogramme 2027")
        anna.get_by_label("Text", exact=False).first.fill("Wer kennt welche?")
        anna.get_by_role("button", name="Thema beginnen").click()
        expect(anna.get_by_role("heading", level=1)).to_have_text("Förderprogramme 2027")
        row = olaf.locator(".thread-row.thread-live")
        expect(row.get_by_role("link", name="Förderprogramme 2027")).to_be_visible()
        expect(row).to_contain_text("neu")
        expect(olaf.get_by_text("Noch keine Themen.")).to_have_count(0)


def test_the_xss_corpus_fires_nothing_in_a_real_page(page, member, other, make_thread):  # noqa: F811
    thread = make_thread(
        other, title="<img src=x onerror=alert(1)>", body="\n\n".join(XSS_PAYLOADS)
    )
    for payload in XSS_PAYLOADS:
        services.post_create(author=member, thread=thread, body=payload)
    evil = thread.posts.get(number=1)
    services.post_create(author=member, thread=thread, body=services.quote_source(post=evil))

    fired = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    page.context.add_init_script("window.__xss = []; window.alert = (m) => window.__xss.push(m);")
    sign_in_by_form(page, member.email)
    pages = [f"/forum/thema/{thread.pk}/?seite={n}" for n in (1, 2, 3, 4)] + [
        "/forum/kategorie/austausch/",
        "/forum/",
    ]
    for url in pages:
        page.goto(url)
        # Hover and click over everything a payload might have left behind.
        for element in page.locator(".post-body *, .thread-title").all()[:200]:
            if element.is_visible():
                element.hover(timeout=500, force=True)
        page.wait_for_timeout(200)
        handlers = page.evaluate(
            """() => [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
                 .filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name))"""
        )
        assert handlers == [], (url, handlers)
        scripts = page.evaluate(
            "() => [...document.scripts].filter(s => !s.src.includes('/static/')"
            " && s.type !== 'application/json').length"
        )
        assert scripts == 0, url
        assert page.evaluate("window.__xss") == [], url
    # The preview renders the same payloads through the composer.
    page.goto("/forum/neu/")
    page.get_by_label("Text", exact=False).first.fill("\n\n".join(XSS_PAYLOADS))
    expect(page.locator(".composer-preview a").first).to_be_attached()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") == []
    assert fired == []
