"""The forum search finds threads by the text inside their attached PDF, Word and OpenDocument
files and says which file matched."""

import pytest

from community.models import Role
from forum import services as forum_services
from tests.files import samples
from tests.files.attach import pdf, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("Dienstanweisung.pdf", samples.pdf("Die Aufbewahrungsfristen der Bauakten")),
        ("Rollout.docx", samples.docx("Die Aufbewahrungsfristen der Bauakten")),
        ("Protokoll.odt", samples.odt("Die Aufbewahrungsfristen der Bauakten")),
    ],
)
def test_a_thread_is_found_by_the_text_of_its_attached_document(
    member_client, member_api, member, make_thread, name, data
):
    file = upload(member, name, data)
    thread = make_thread(member, title="Unterlagen", body="Siehe Anhang", attachments=[file.pk])
    make_thread(member, title="Anderes", body="Nichts davon")
    found = member_api.get("/api/forum/threads/", {"q": "Aufbewahrungsfrist"}).json()
    assert [t["id"] for t in found["results"]] == [thread.pk]
    page = member_client.get("/forum/suche/", {"q": "Aufbewahrungsfristen"}).content.decode()
    assert "Gefunden in der Datei" in page
    assert name in page and file.get_absolute_url() in page


def test_only_the_matching_file_is_named(member_client, member, thread):
    # (ASCII: the sample PDF's font has no umlauts.)
    hit, miss = (
        pdf(member, "Gebuehrenordnung 2026", "Gebuehren.pdf"),
        pdf(member, "Urlaub", "U.pdf"),
    )
    forum_services.post_create(
        author=member, thread=thread, body="Zwei Dateien", attachments=[hit.pk, miss.pk]
    )
    page = member_client.get("/forum/suche/", {"q": "Gebuehrenordnung"}).content.decode()
    assert "Gebuehren.pdf" in page and "U.pdf" not in page


def test_a_hit_in_the_text_names_no_file(member_client, member, thread):
    forum_services.post_create(
        author=member, thread=thread, body="Die Gebührenordnung", attachments=[pdf(member).pk]
    )
    page = member_client.get("/forum/suche/", {"q": "Gebührenordnung"}).content.decode()
    assert "Gebührenordnung" in page and "Gefunden in der Datei" not in page


def test_files_of_hidden_and_deleted_posts_are_not_found(member_api, member, thread, make_member):
    hidden = forum_services.post_create(
        author=member, thread=thread, body="x", attachments=[pdf(member, "Geheimvermerk").pk]
    )
    deleted = forum_services.post_create(
        author=member, thread=thread, body="y", attachments=[pdf(member, "Altlastenkataster").pk]
    )
    moderator = make_member(role=Role.MODERATOR)
    forum_services.post_hide(moderator=moderator, post=hidden, reason="Test")
    forum_services.post_delete(member=member, post=deleted)
    for term in ("Geheimvermerk", "Altlastenkataster"):
        assert member_api.get("/api/forum/threads/", {"q": term}).json()["count"] == 0


def test_replacing_a_file_updates_what_the_search_finds(member_api, member, thread):
    old = pdf(member, "Schneeraeumpflicht")
    post = forum_services.post_create(author=member, thread=thread, body="x", attachments=[old.pk])
    forum_services.post_update(
        editor=member, post=post, attachments=[pdf(member, "Streupflicht").pk]
    )
    assert member_api.get("/api/forum/threads/", {"q": "Schneeraeumpflicht"}).json()["count"] == 0
    assert member_api.get("/api/forum/threads/", {"q": "Streupflicht"}).json()["count"] == 1
