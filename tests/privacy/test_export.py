"""A member downloads everything stored about them, and nothing about anyone else."""

import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat import ratelimit
from chat import services as chat_services
from community import services
from forum import services as forum_services
from notifications.models import PushSubscription
from privacy import export as privacy

pytestmark = pytest.mark.django_db


def download(client, member) -> tuple[dict, str]:
    """The export page's ZIP: the JSON (``daten.json``) as before, and the member's files."""
    client.force_login(member)
    response = client.get(reverse("privacy_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="lotsennetz-daten-')
    assert response["Content-Disposition"].endswith('.zip"')
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        raw = archive.read("daten.json").decode()
    return json.loads(raw), raw


def test_privacy_page_offers_the_download_and_the_deletion(client, member):
    client.force_login(member)
    response = client.get(reverse("privacy"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("privacy_export") in html
    assert reverse("account_erase") in html
    assert 'name="password"' in html


def test_own_profile_links_to_the_privacy_page(client, member):
    client.force_login(member)
    response = client.get(member.get_absolute_url())
    assert reverse("privacy") in response.content.decode()


def test_export_needs_sign_in(client):
    response = client.get(reverse("privacy_export"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_export_holds_everything_stored_about_the_member(client, world):
    ratelimit.take_token(world.anna.pk)  # the chat's rate limit remembers her last post
    PushSubscription.objects.create(
        member=world.anna,
        endpoint="https://push.example.net/anna",
        p256dh="geheimer-schluessel",
        auth="geheimnis",
        label="Firefox auf Android",
    )
    data, raw = download(client, world.anna)
    account = data["account"]
    assert account["email"] == "anna.schmidt@wetzlar.de"
    assert account["display_name"] == "Anna Schmidt"
    assert account["handle"] == world.anna.handle
    assert account["municipality"]["name"] == "Wetzlar"
    assert account["role"] == "member"
    assert account["language"] == ""  # her pages were in the site's language
    assert "password" not in account
    assert world.anna.password not in raw  # no hash anywhere
    assert data["expertise"] == [{"slug": "e-akte-dms", "name": "E-Akte/DMS", "level": "expert"}]
    assert [e["slug"] for e in data["learning_interests"]] == ["ozg-onlinedienste"]
    assert data["qualifications"][0]["programme"] == "Digitallotsen-Seminar Hessen"
    assert [p["title"] for p in data["projects"]] == ["E-Akte im Bauamt"]
    forum = data["forum"]
    assert [t["title"] for t in forum["threads"]] == ["Annas Frage zur E-Rechnung"]
    bodies = [p["body"] for p in forum["posts"]]
    assert "Wir scannen mit der Annas-Scan-Lösung. @bernd-becker" in bodies
    assert "Wie macht ihr das?" in bodies
    assert forum["reactions"] == [
        {
            "post_id": world.mention.pk,
            "kind": "thanks",
            "created_at": forum["reactions"][0]["created_at"],
        }
    ]
    assert any(s["thread_id"] == world.own_thread.pk for s in forum["subscriptions"])
    assert any(r["thread_id"] == world.thread.pk for r in forum["read_states"])
    assert forum["flags"][0]["reason"] == "Nur ein Test"
    chat = data["chat"]
    assert {world.room.slug, world.direct.slug} <= {r["room_slug"] for r in chat["rooms"]}
    assert {m["body"] for m in chat["messages"]} == {"Annas Nachricht", "Anna privat an Bernd"}
    assert chat["rate_limit"]["messages_left"] == 9
    assert chat["rate_limit"]["last_taken_at"]
    assert data["events"]["signups"][0]["event_title"] == "Netzwerktreffen Mittelhessen"
    assert data["events"]["signups"][0]["status"] == "confirmed"
    assert "Für Anna" in [n["text"] for n in data["notifications"]]
    assert [d["label"] for d in data["push_devices"]] == ["Firefox auf Android"]
    assert "geheimer-schluessel" not in raw
    assert "Anna Schmidt" in data["search_document"]["text_a"]
    assert data["api_token"]["created"]
    assert [set(t) for t in data["api_tokens"]] == [{"label", "created_at", "last_used_at"}]


def test_export_holds_nothing_of_other_members(client, world):
    from community.models import ApiToken

    _data, raw = download(client, world.anna)
    for secret in (
        "bernd.becker@wetzlar.de",
        "carla.conrad@giessen.example",
        "Bernds geheime Nachricht",
        "Bernd privat an Anna",
        "Wer scannt wie?",  # Bernd's opening post of the shared thread
        "Anna Schmidt hat Sie erwähnt",  # Bernd's notification about Anna
        ApiToken.objects.get(user=world.anna).key_hash,
        world.bernd.password,
    ):
        assert secret not in raw


def test_export_query_count_does_not_grow_with_data(world):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            privacy.member_export(member=world.anna)
        return len(queries)

    before = count()
    for n in range(3):
        forum_services.post_create(author=world.anna, thread=world.thread, body=f"Noch was {n}")
        chat_services.message_post(
            room=world.room,
            author=world.anna,
            body=f"Mehr {n}",
            client_id=f"more-{n}",
            rate_limited=False,
        )
    assert count() == before


def test_both_export_urls_run_the_same_queries_with_more_data_of_every_kind(
    client, api_client, world, municipality, django_assert_num_queries
):
    client.force_login(world.anna)
    api_client.force_authenticate(world.anna)
    urls = [(client, reverse("privacy_export")), (api_client, "/api/members/me/export/")]
    counts = []
    for http, url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert http.get(url).status_code == 200
        counts.append(len(queries))
    for n in range(3):
        thread = forum_services.thread_create(
            author=world.anna, category=world.thread.category, title=f"Frage {n}", body="Wie?"
        )
        post = forum_services.post_create(author=world.bernd, thread=thread, body=f"So {n}")
        forum_services.reaction_toggle(member=world.anna, post=post, kind="thanks")
        forum_services.flag_create(member=world.anna, post=post, reason=f"Test {n}")
        forum_services.thread_mark_read(member=world.anna, thread=thread, number=2)
        services.project_create(
            created_by=world.anna,
            municipality=municipality,
            title=f"Projekt {n}",
            kind="tool",
            members=[world.anna],
            tools=[f"Werkzeug {n}"],
        )
        services.qualification_add(member=world.anna, programme=f"Kurs {n}")
        ratelimit.take_token(world.anna.pk)  # from none to a bucket of the chat's rate limit
        chat_services.message_post(
            room=world.room,
            author=world.anna,
            body=f"Noch eine {n}",
            client_id=f"grow-{n}",
            rate_limited=False,
        )
    for (http, url), count in zip(urls, counts, strict=True):
        with django_assert_num_queries(count):
            assert http.get(url).status_code == 200


def test_api_export_answers_the_member_only(api_client, world):
    api_client.force_authenticate(world.anna)
    response = api_client.get("/api/members/me/export/")
    assert response.status_code == 200
    data = response.json()
    assert data["account"]["email"] == "anna.schmidt@wetzlar.de"
    assert "bernd.becker@wetzlar.de" not in response.content.decode()


def test_api_export_needs_authentication(api_client):
    assert api_client.get("/api/members/me/export/").status_code in (401, 403)


def test_api_export_is_documented_in_the_openapi_schema(client, member):
    client.force_login(member)
    response = client.get(reverse("api_schema"), {"format": "json"})
    assert response.status_code == 200
    assert "/api/members/me/export/" in response.json()["paths"]
