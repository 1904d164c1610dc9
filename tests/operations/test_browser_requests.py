"""In a real browser, a few pages ask no host but the platform (Playwright's request log)."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests.browser.conftest import chromium  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_in_the_browser_request_nothing_from_other_hosts(chromium, live_server, world):  # noqa: F811
    client = Client()
    client.force_login(world.anna)
    context = chromium.new_context(base_url=live_server.url, locale="de-DE")
    context.set_default_timeout(10_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    try:
        for path in (
            "/",
            world.thread.get_absolute_url(),
            f"/chat/{world.room.slug}/",
            world.event.get_absolute_url(),
            "/datenschutz/",
        ):
            page.goto(path)
            page.wait_for_load_state("networkidle")
    finally:
        context.close()
    own = urlsplit(live_server.url).hostname
    assert requested
    assert any(url.endswith(".css") for url in requested)
    foreign = [url for url in requested if urlsplit(url).hostname not in (own,)]
    assert not foreign
