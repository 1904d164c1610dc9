"""The forum's XSS corpus in every Markdown and text field of every app.

Each payload goes, through the services, into a member's profile, a
qualification, a project (title, body, lessons learned, tool, link), an event
(title, description, location, online link), a chat room name and message, a
forum thread and post, and a notification. Then every page that shows them and
every API ``*_html`` field must be inert: no executable script, no attribute
outside the allow-list, no javascript:/data: URL.
"""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from chat import services as chat_services
from chat.models import RoomKind
from community import services
from events import services as event_services
from forum import services as forum_services
from forum.models import Category
from notifications import services as notification_services
from tests.forum.xss import XSS_PAYLOADS, assert_safe, page_problems
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

JSON_DATA_BLOCK = re.compile(r'<script[^>]*type="application/json"[^>]*>.*?</script>', re.DOTALL)
# The site's own icons (base.html): a fixed class and one path, nothing a member can write.
SITE_ICON = re.compile(
    r'<svg class="icon" aria-hidden="true" focusable="false"[^>]*>'
    r'<path fill="currentColor" d="[-0-9A-Za-z .,]*"/></svg>'
)


def page_problems_of(html: str) -> list[str]:
    return page_problems(SITE_ICON.sub("", JSON_DATA_BLOCK.sub("", html)))


CHUNK = 13
CHUNKS = [XSS_PAYLOADS[i : i + CHUNK] for i in range(0, len(XSS_PAYLOADS), CHUNK)]


def line(payload: str, length: int) -> str:
    """A single-line field's version of the payload."""
    return " ".join(payload.split())[:length] or "x"


def refused_or(call, fallback):
    """Services may refuse hostile input (a ValidationError, never a crash)."""
    try:
        return call()
    except ValidationError:
        return fallback() if fallback else None


def html_fields(data) -> list[str]:
    """Every ``*_html`` string anywhere in an API answer."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key.endswith("_html") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(html_fields(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(html_fields(item))
    return found


def plant(w, n: int, payload: str) -> dict:
    """The payload in every field a member can fill; returns the pages and API URLs."""
    member, coordinator = w.users["member"], w.users["coordinator"]
    author = services.member_create(
        email=f"autor{n}@wetzlar.de",
        display_name=f"Autor {n}",
        municipality=w.wetzlar,
        password="Lotsen-Passwort-2026",
    )
    refused_or(
        lambda: services.member_update_profile(
            member=author,
            display_name=line(payload, 150),
            department=line(payload, 200),
            position=line(payload, 200),
            bio=payload,
        ),
        lambda: services.member_update_profile(member=author, bio=payload),
    )
    refused_or(
        lambda: services.qualification_add(
            member=author, programme=line(payload, 200), cohort=line(payload, 100)
        ),
        None,
    )
    project = refused_or(
        lambda: services.project_create(
            created_by=author,
            municipality=w.wetzlar,
            title=line(payload, 200),
            kind="eakte",
            tools=[line(payload, 100)],
            links=[("https://example.org/", line(payload, 200))],
            body=payload,
            lessons_learned=payload,
            members=[author],
            is_published=True,
        ),
        lambda: services.project_create(
            created_by=author,
            municipality=w.wetzlar,
            title=line(payload, 200),
            kind="eakte",
            body=payload,
            lessons_learned=payload,
            is_published=True,
        ),
    )
    refused_or(
        lambda: services.project_update(project=project, links=[(payload[:500], "Link")]), None
    )
    starts = timezone.localtime() + dt.timedelta(days=3 + n % 20)
    event_fields = {
        "created_by": coordinator,
        "title": line(payload, 200),
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=1),
        "description": payload,
        "location": line(payload, 200),
        "hosting_municipality": w.wetzlar,
        "format": "hybrid",
    }
    event = refused_or(
        lambda: event_services.event_create(**event_fields, online_url=line(payload, 500)),
        lambda: event_services.event_create(**event_fields, online_url="https://meet.example/a"),
    )
    event_services.signup_create(event=event, member=member)
    room = chat_services.room_create(
        created_by=author, name=line(payload, 200), kind=RoomKind.PRIVATE, members=[member]
    )
    chat_services.message_post(
        room=room, author=author, body=payload[:4000], client_id=f"x{n}", rate_limited=False
    )
    thread = forum_services.thread_create(
        author=author,
        category=Category.objects.get(slug="austausch"),
        title=line(payload, 200),
        body=payload,
    )
    forum_services.post_create(author=member, thread=thread, body=f"@{author.handle} {payload}")
    notification_services.notification_create(
        recipient=member, kind="xss", text=payload, url=payload[:500], actor=author
    )
    tool_keys = list(project.tools.values_list("key", flat=True))
    pages = [
        f"/menschen/{author.handle}/",
        f"/projekte/{project.pk}/",
        f"/termine/{event.pk}/",
        f"/chat/{room.slug}/",
        f"/forum/thema/{thread.pk}/",
        *[f"/werkzeuge/{key}/" for key in tool_keys],
    ]
    api = [
        f"/api/members/{author.pk}/",
        f"/api/projects/{project.pk}/",
        f"/api/events/{event.pk}/",
        f"/api/chat/rooms/{room.slug}/messages/",
        f"/api/forum/threads/{thread.pk}/posts/",
    ]
    return {"pages": pages, "api": api}


LIST_PAGES = [
    "/",
    "/menschen/",
    "/menschen/?q=alert",
    "/projekte/",
    "/projekte/?q=alert",
    "/termine/",
    "/termine/monat/",
    "/chat/",
    "/forum/",
    "/forum/kategorie/austausch/",
    "/forum/suche/?q=alert",
    "/benachrichtigungen/",
]
LIST_API = [
    "/api/members/?q=alert",
    "/api/projects/",
    "/api/events/",
    "/api/chat/rooms/",
    "/api/forum/threads/",
    "/api/notifications/",
]


@pytest.mark.parametrize("chunk", range(len(CHUNKS)))
def test_the_xss_corpus_is_inert_in_every_field_on_every_page_and_in_the_api(chunk):
    w = build_world()
    planted = [plant(w, n, payload) for n, payload in enumerate(CHUNKS[chunk])]
    client = Client()
    client.force_login(w.users["member"])
    problems = {}
    pages = [*LIST_PAGES, *(url for p in planted for url in p["pages"])]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        found = page_problems_of(response.content.decode())
        if found:
            problems[url] = found
    assert problems == {}
    for url in [*LIST_API, *(url for p in planted for url in p["api"])]:
        response = client.get(url)
        assert response.status_code == 200, url
        for html in html_fields(response.json()):
            assert_safe(html)


def test_notification_links_never_lead_off_the_site_or_into_script():
    w = build_world()
    member = w.users["member"]
    client = Client()
    client.force_login(member)
    for target in ["javascript:alert(1)", "//evil.example/", "https://evil.example/", "data:x"]:
        note = notification_services.notification_create(
            recipient=member, kind="xss", text="x", url=target, actor=w.users["coordinator"]
        )
        response = client.post(f"/benachrichtigungen/{note.pk}/oeffnen/")
        assert (response.status_code, response.url) == (302, "/"), target
