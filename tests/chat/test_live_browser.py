"""static/js/live.js in Chromium: the close-code policy, backoff and resume, and
dates in the page's language.

The room page comes from a real daphne; its chat socket is answered by a
Playwright stand-in (route_web_socket), so each test decides exactly how the
"server" closes and what it sends. The bell's socket still goes to daphne.
"""

import json
import re
import time

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.browser.conftest import chromium  # noqa: F401  (the module-scoped browser)
from tests.chat.test_browser import signed_in_page
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHAT_SOCKET = re.compile(r"/ws/chat/")


def chat_message(seq, author, body, created_at="2026-12-07T12:00:00Z"):
    return {
        "type": "message",
        "message": {
            "seq": seq,
            "author": {"id": author.pk, "display_name": author.display_name},
            "body": body,
            "body_html": f"<p>{body}</p>",
            "created_at": created_at,
            "edited_at": None,
            "deleted": False,
            "client_id": f"c-{seq}",
        },
    }


@pytest.mark.parametrize("code", [4401, 4403, 4404])
def test_after_the_server_refuses_the_room_page_does_not_knock_again(
    chromium,  # noqa: F811
    network_room,
    member,
    code,
):
    opened = []

    def refuse(ws):
        opened.append(time.monotonic())
        ws.close(code=code)

    with daphne() as address:
        context, page = signed_in_page(chromium, f"http://{address}", Client(), member)
        try:
            context.route_web_socket(CHAT_SOCKET, refuse)
            page.goto("/chat/allgemein/")
            expect(page.locator("#chat-connection")).to_have_text(
                "Kein Zugang zu diesem Raum. Bitte laden Sie die Seite neu."
            )
            page.wait_for_timeout(3000)  # a retry would come within one second
            assert len(opened) == 1
        finally:
            context.close()


def test_after_an_abnormal_close_the_room_reconnects_with_backoff_and_resumes_with_sync(
    chromium,  # noqa: F811
    network_room,
    member,
    make_member,
):
    ben = make_member(display_name="Ben Berger")
    opened = []
    syncs = []

    def server(ws):
        opened.append(time.monotonic())
        if len(opened) == 1:
            ws.send(json.dumps({"type": "ready", "room": "allgemein", "last_seq": 0}))
            ws.send(json.dumps(chat_message(1, ben, "Vor dem Abbruch")))
            ws.close(code=1011)  # the server broke down
            return

        def on_message(text):
            frame = json.loads(text)
            if frame["type"] == "sync":
                syncs.append(frame["after"])
                history = [chat_message(2, ben, "Während des Abbruchs")["message"]]
                ws.send(json.dumps({"type": "history", "messages": history, "has_more": False}))

        ws.on_message(on_message)
        ws.send(json.dumps({"type": "ready", "room": "allgemein", "last_seq": 2}))

    with daphne() as address:
        context, page = signed_in_page(chromium, f"http://{address}", Client(), member)
        try:
            context.route_web_socket(CHAT_SOCKET, server)
            page.goto("/chat/allgemein/")
            log = page.get_by_role("list", name="Nachrichten")
            expect(log).to_contain_text("Während des Abbruchs", timeout=15_000)
            assert len(opened) == 2
            # The first retry comes at a random moment within the first three seconds.
            assert 0.2 <= opened[1] - opened[0] <= 3.5
            assert syncs == [1]  # resumed after the last message it had
            seqs = log.locator("li").evaluate_all("items => items.map(i => +i.dataset.seq)")
            assert seqs == [1, 2]
            expect(page.locator("#chat-connection")).to_have_text("")
        finally:
            context.close()


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("de-DE", "07.12.2026, 13:00"), ("en-US", "Dec 7, 2026, 1:00 PM")],
)
def test_chat_dates_follow_the_pages_language(
    chromium,  # noqa: F811
    network_room,
    member,
    make_member,
    locale,
    expected,
):
    """The chat used to format every date as de-DE, whatever the page's language."""
    ben = make_member(display_name="Ben Berger")

    def server(ws):
        ws.send(json.dumps({"type": "ready", "room": "allgemein", "last_seq": 0}))
        ws.send(json.dumps(chat_message(1, ben, "Hallo")))

    with daphne() as address:
        context = chromium.new_context(
            base_url=f"http://{address}", locale=locale, timezone_id="Europe/Berlin"
        )
        client = Client()
        client.force_login(member)
        from django.conf import settings

        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": f"http://{address}",
                }
            ]
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            context.route_web_socket(CHAT_SOCKET, server)
            page.goto("/chat/allgemein/")
            time_element = page.locator('#chat-log li[data-seq="1"] time')
            expect(time_element).to_have_text(expected)
        finally:
            context.close()


def test_the_first_reconnects_of_many_pages_spread_over_three_seconds(
    chromium,  # noqa: F811
    network_room,
    member,
):
    """After a server restart all its sockets lose their connection at once; their
    first retries must not all come within the same second (issue 22)."""
    with daphne() as address:
        context, page = signed_in_page(chromium, f"http://{address}", Client(), member)
        try:
            page.goto("/chat/allgemein/")
            delays = page.evaluate(
                """async () => {
                  const live = await import("/static/js/live.js");
                  const first = Array.from({length: 1000}, () => live.reconnectDelay(0));
                  const later = live.reconnectDelay(3, {random: () => 1});
                  return {first, later};
                }"""
            )
        finally:
            context.close()
    first = delays["first"]
    assert min(first) >= 250
    assert max(first) < 3000
    per_second = [sum(1 for d in first if s * 1000 <= d < (s + 1) * 1000) for s in range(3)]
    assert all(200 <= n <= 450 for n in per_second), per_second  # about a third each
    assert delays["later"] == 8000  # then the doubling backoff (1 s · 2^3)


def test_a_large_rooms_presence_deltas_update_the_online_line(
    chromium,  # noqa: F811
    network_room,
    member,
):
    """Above 100 online the server sends a bounded list once, then deltas (issue 22)."""
    people = [{"id": n, "display_name": f"Lotse {n:03d}"} for n in range(1, 101)]

    def server(ws):
        ws.send(json.dumps({"type": "ready", "room": "allgemein", "last_seq": 0}))
        ws.send(json.dumps({"type": "presence", "online": people, "online_count": 150}))

        def on_message(text):
            if json.loads(text)["type"] == "typing":
                ws.send(
                    json.dumps(
                        {
                            "type": "presence",
                            "joined": [],
                            "left": [{"id": 1, "display_name": "Lotse 001"}],
                            "online_count": 149,
                        }
                    )
                )

        ws.on_message(on_message)

    with daphne() as address:
        context, page = signed_in_page(chromium, f"http://{address}", Client(), member)
        try:
            context.route_web_socket(CHAT_SOCKET, server)
            page.goto("/chat/allgemein/")
            line = page.locator("#chat-online")
            expect(line).to_contain_text("Lotse 001, Lotse 002")
            expect(line).to_contain_text("und 130 weitere (150 insgesamt)")
            page.get_by_label("Nachricht", exact=True).press_sequentially(
                "x"
            )  # typing: the delta comes
            expect(line).not_to_contain_text("Lotse 001")
            expect(line).to_contain_text("Lotse 002, Lotse 003")
            expect(line).to_contain_text("und 129 weitere (149 insgesamt)")
        finally:
            context.close()


def test_the_navigations_chat_count_follows_the_bell_socket(
    chromium,  # noqa: F811
    member,
):
    """The bell's socket (here a stand-in) carries the chat count; no reload (issue 20)."""
    sockets = []

    def bell(ws):
        sockets.append(ws)
        ws.send(json.dumps({"type": "ready"}))

    with daphne() as address:
        context, page = signed_in_page(chromium, f"http://{address}", Client(), member)
        try:
            context.route_web_socket(re.compile(r"/ws/notifications/"), bell)
            page.goto("/")
            count = page.locator("#chat-unread-count")
            expect(count).to_be_hidden()  # nothing unread: no "0"
            sockets[0].send(json.dumps({"type": "chat_unread", "unread_rooms": 1}))
            expect(count).to_have_text("1")
            expect(page.locator("#chat-unread-label")).to_contain_text(
                "Raum mit ungelesenen Nachrichten"
            )
            sockets[0].send(json.dumps({"type": "chat_unread", "unread_rooms": 3}))
            expect(count).to_have_text("3")
            expect(page.locator("#chat-unread-label")).to_contain_text(
                "Räume mit ungelesenen Nachrichten"
            )
            sockets[0].send(json.dumps({"type": "chat_unread", "unread_rooms": 0}))
            expect(count).to_be_hidden()
        finally:
            context.close()
