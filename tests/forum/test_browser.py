"""The forum in Chromium: live replies and the solution, and the XSS corpus in a real page.

pytest-django's live_server speaks no WebSocket, so the live test runs a real
daphne on the test database (tests/servers.py).
"""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from forum import services
from tests.browser.conftest import chromium, page  # noqa: F401  (Chromium fixtures)
from tests.conftest import PASSWORD
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


def test_a_reply_appears_live_and_becomes_the_solution(
    chromium,  # noqa: F811
    member,
    other,
):
    _category("austausch")
    with daphne() as address:
        base = f"http://{address}"
        anna_context, anna = signed_in(chromium, base, member)
        olaf_context, olaf = signed_in(chromium, base, other)
        try:
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

            live = anna.locator("#beitrag-2")
            expect(live.locator("em")).to_have_text("Fujitsu")
            expect(anna.locator("#forum-live")).to_contain_text("Olaf Otto")
            live.get_by_role("button", name="Als Lösung markieren").click()
            expect(anna.locator("#beitrag-2.post-solution")).to_be_visible()
            expect(anna.locator("#beitrag-2")).to_contain_text("Lösung")
        finally:
            anna_context.close()
            olaf_context.close()


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
    page.goto("/anmelden/")
    page.get_by_label("E-Mail-Adresse").fill(member.email)
    page.get_by_label("Passwort", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
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
            "() => [...document.scripts].filter(s => !s.src.includes('/static/')).length"
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
