"""Nothing of Wetzlar's private rooms, drafts and internal events reaches Gießen.

Not through search, notifications, calendar feeds, the API or the WebSocket;
and nobody but the member sees the member's e-mail address or learning wishes.
"""

import io
import zipfile

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from community import services
from config.asgi import application
from events import services as event_services
from tests.security.world import build_world
from tests.sockets import refused_with

ORIGIN = (b"origin", b"http://127.0.0.1:8000")

# What belongs to Wetzlar's members (or to the member alone) and must not leak.
SECRETS = {
    "draft": "Geheimer Entwurf Wetzlar",
    "draft tool": "geheimtool",
    "private room": "Vertrauliche Runde",
    "private message": "Nur für uns.",
    "internal event": "Internes Treffen Wetzlar",
    "online link": "meet.example/wetzlar-intern",
}
EMAIL = "anna.schmidt@wetzlar.de"


def leaked(text: str, secrets=SECRETS) -> list[str]:
    return [name for name, secret in secrets.items() if secret.lower() in text.lower()]


def outsider_urls(w) -> list[str]:
    member = w.users["member"]
    return [
        "/",
        "/menschen/",
        "/menschen/?q=Akte",
        "/menschen/?q=geheim",
        f"/menschen/{member.handle}/",
        "/projekte/",
        "/projekte/?q=Geheimer",
        "/projekte/?q=geheim",
        f"/fachgebiete/{w.expertise.slug}/",
        "/werkzeuge/enaio/",
        "/forum/",
        "/forum/suche/?q=Geheimer",
        "/forum/suche/?q=Vertrauliche",
        "/forum/erwaehnen/?q=An",
        "/chat/",
        "/termine/",
        "/termine/monat/",
        "/termine/archiv/",
        "/benachrichtigungen/",
        "/api/projects/",
        "/api/projects/?q=Geheimer",
        "/api/projects/?tool=geheimtool",
        f"/api/projects/?municipality={w.wetzlar.slug}",
        "/api/members/",
        "/api/members/?q=Anna",
        "/api/members/?q=geheimtool",
        "/api/members/?q=Entwurf",
        f"/api/members/{member.pk}/",
        "/api/chat/rooms/",
        "/api/events/",
        "/api/notifications/",
        "/api/forum/threads/",
        "/api/forum/threads/?q=Vertrauliche",
        "/api/forum/threads/?q=geheimtool",
        "/api/municipalities/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["other", "moderator"])
def test_outsiders_find_no_trace_of_wetzlars_private_things(role):
    """Moderators are outsiders too: they moderate the forum, not private rooms or drafts."""
    w = build_world()
    client = Client()
    client.force_login(w.users[role])
    secrets = dict(SECRETS)
    if role == "moderator":  # moderators see and manage every event (they host anywhere)
        del secrets["internal event"], secrets["online link"]
    found = {}
    for url in outsider_urls(w):
        response = client.get(url)
        assert response.status_code == 200, url
        problems = leaked(response.content.decode(), secrets)
        if problems:
            found[url] = problems
    assert found == {}


@pytest.mark.django_db
def test_the_outsiders_calendar_feed_has_no_internal_event():
    w = build_world()
    other = w.users["other"]
    token = event_services.calendar_feed_token(member=other)
    response = Client().get(f"/termine/feed/{token}.ics")
    assert response.status_code == 200
    body = b"".join(response).decode() if response.streaming else response.content.decode()
    assert leaked(body) == []
    # A forged or renewed token is simply unknown.
    assert Client().get(f"/termine/feed/{token}x.ics").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["other", "coordinator", "moderator"])
def test_nobody_else_sees_the_members_email_address_or_learning_wishes(role):
    w = build_world()
    member = w.users["member"]
    client = Client()
    client.force_login(w.users[role])
    learning = w.expertise.name
    for url in [
        f"/menschen/{member.handle}/",
        "/menschen/?q=Anna",
        "/menschen/?q=anna.schmidt",
        f"/api/members/{member.pk}/",
        "/api/members/?q=Anna",
    ]:
        response = client.get(url)
        assert EMAIL not in response.content.decode(), url
        if url.startswith("/api/"):
            data = response.json()
            rows = data.get("results", [data])
            assert all("email" not in row and "learning" not in row for row in rows), url
    assert learning  # the wish is stored ...
    me = Client()
    me.force_login(member)
    assert me.get("/api/members/me/").json()["email"] == EMAIL  # ... and the member sees both


@pytest.mark.django_db
def test_notifications_are_only_ever_the_recipients():
    w = build_world()
    other = Client()
    other.force_login(w.users["other"])
    response = other.get("/api/notifications/")
    assert "Hallo Anna" not in response.content.decode()
    opened = other.post(f"/benachrichtigungen/{w.notification.pk}/oeffnen/")
    assert (opened.status_code, opened.url) == (302, "/benachrichtigungen/")  # not its target
    w.notification.refresh_from_db()
    assert w.notification.read_at is None


# --- WebSocket ----------------------------------------------------------------------------
def connect(path: str, token: str | None) -> WebsocketCommunicator:
    headers = [ORIGIN]
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def close_code(path: str, token: str | None):
    return await refused_with(connect(path, token))


@pytest.mark.django_db(transaction=True)
async def test_websockets_refuse_outsiders_with_the_contracts_codes():
    from asgiref.sync import sync_to_async

    w = await sync_to_async(build_world)()
    tokens = {
        role: await sync_to_async(services.member_token)(member=w.users[role])
        for role in ("member", "other", "moderator")
    }
    private = f"/ws/chat/{w.private_room.slug}/"
    city = f"/ws/chat/{w.city_room.slug}/"
    assert await close_code(private, None) == 4401
    assert await close_code(private, tokens["other"]) == 4403
    assert await close_code(private, tokens["moderator"]) == 4403
    assert await close_code(city, tokens["other"]) == 4403
    assert await close_code("/ws/chat/gibt-es-nicht/", tokens["other"]) == 4404
    assert await close_code(private, tokens["member"]) == "accepted"
    event = f"/ws/events/{w.event.pk}/"
    assert await close_code(event, None) == 4401
    assert await close_code(event, tokens["other"]) == 4404
    assert await close_code(event, tokens["member"]) == "accepted"
    assert await close_code("/ws/notifications/", None) == 4401
    assert await close_code("/ws/notifications/", tokens["other"]) == "accepted"
    thread = f"/ws/forum/threads/{w.thread.pk}/"
    assert await close_code(thread, None) == 4401
    assert await close_code(thread, tokens["other"]) == "accepted"  # the forum is network-wide
    assert await close_code("/ws/forum/threads/999999/", tokens["other"]) == 4404
    assert await close_code("/ws/forum/categories/austausch/", None) == 4401


@pytest.mark.django_db
def test_the_online_link_is_for_participants_and_organizers_only():
    w = build_world()
    colleague = services.member_create(
        email="nicht.angemeldet@wetzlar.de",
        display_name="Nicht Angemeldet",
        municipality=w.wetzlar,
        password="Lotsen-Passwort-2026",
    )
    link = SECRETS["online link"]
    for user, sees in [
        (colleague, False),
        (w.users["member"], True),
        (w.users["coordinator"], True),
    ]:
        client = Client()
        client.force_login(user)
        for url in [f"/termine/{w.event.pk}/", f"/api/events/{w.event.pk}/", "/api/events/"]:
            assert (link in client.get(url).content.decode()) is sees, (user, url)
        ics = client.get(f"/termine/{w.event.pk}/termin.ics").content.decode()
        assert (link in ics.replace("\r\n ", "")) is sees, (user, "ics")  # unfolded lines


@pytest.mark.django_db
def test_a_data_export_holds_only_the_members_own_data():
    w = build_world()
    other = Client()
    other.force_login(w.users["other"])
    for url in ["/api/members/me/export/", "/profil/daten/export/"]:
        response = other.get(url)
        assert response.status_code == 200, url
        body = b"".join(response) if response.streaming else response.content
        if response["Content-Type"] == "application/zip":  # the page's export: JSON and files
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                body = b"".join(archive.read(name) for name in archive.namelist())
        body = body.decode(errors="replace")
        assert leaked(body) == [], url
        assert EMAIL not in body, url
    member = Client()
    member.force_login(w.users["member"])
    export = member.get("/api/members/me/export/").content.decode()
    assert EMAIL in export
    assert w.users["coordinator"].email not in export  # the colleague wrote to her, still theirs
