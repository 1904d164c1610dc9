"""A page that slept through a purge: on reconnect it continues at the oldest kept message."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from chat import retention
from chat import services as chat_services
from chat.models import Message
from tests.browser.conftest import chromium  # noqa: F401  (the module-scoped browser)
from tests.chat.conftest import (  # noqa: F401 (fixtures)
    network_room,
)
from tests.servers import daphne, free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def post(room, author, n):
    return chat_services.message_post(
        room=room, author=author, body=f"Nachricht {n}", client_id=f"c{n}", rate_limited=False
    )


def test_a_page_asking_for_purged_messages_gets_what_is_left(
    chromium,  # noqa: F811
    network_room,  # noqa: F811
    member,
):
    post(network_room, member, 1)
    client = Client()
    client.force_login(member)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    context = chromium.new_context(base_url=base, locale="de-DE")
    context.set_default_timeout(10_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    page = context.new_page()
    try:
        with daphne(port=port):
            page.goto(f"/chat/{network_room.slug}/")
            expect(page.locator("#chat-connection")).to_have_text("")
        expect(page.locator("#chat-connection")).to_contain_text("Verbindung unterbrochen")
        # While the page sleeps, 2–6 arrive and the nightly purge takes 2–4.
        for n in range(2, 7):
            post(network_room, member, n)
        Message.objects.filter(room=network_room, seq__in=[1, 2, 3, 4]).update(
            created_at=timezone.now() - dt.timedelta(days=100)
        )
        settings.CHAT_RETENTION_DAYS = 30
        try:
            retention.chat_history_purge()
        finally:
            settings.CHAT_RETENTION_DAYS = 0
        with daphne(port=port):
            expect(page.locator("#chat-connection")).to_have_text("", timeout=40_000)
            log = page.get_by_role("list", name="Nachrichten")
            expect(log).to_contain_text("Nachricht 6")
            seqs = log.locator("li").evaluate_all("items => items.map(i => +i.dataset.seq)")
            assert seqs == [1, 5, 6]  # 1 was on the page already; 2–4 are gone for good
    finally:
        context.close()
