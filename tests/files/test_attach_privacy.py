"""Erasure removes a member's files and leaves "Datei entfernt" where they were attached;
the export is a ZIP with the JSON and the member's own files (and nobody else's)."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from chat import services as chat_services
from community import services
from events import services as event_services
from forum import services as forum_services
from privacy import services as privacy_services
from tests.files.attach import gone, pdf, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def traces(member, other, thread, municipality, network_room, organizer):
    """The member's files everywhere they can be attached, plus one of ``other``."""
    files = {
        "post": upload(member),
        "message": pdf(member, name="Nachricht.pdf"),
        "event": pdf(member, name="Mitschrift.pdf"),
        "project": pdf(member, name="Konzept.pdf"),
        "photo": upload(member),
        "loose": upload(member),
    }
    post = forum_services.post_create(
        author=member, thread=thread, body="Anbei", attachments=[files["post"].pk]
    )
    message, _created = chat_services.message_post(
        room=network_room,
        author=member,
        body="Datei",
        client_id="e1",
        rate_limited=False,
        attachments=[files["message"].pk],
    )
    start = timezone.now() + dt.timedelta(days=2)
    event = event_services.event_create(
        created_by=organizer,
        title="Treffen",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        hosting_municipality=organizer.municipality,
    )
    event_services.signup_create(event=event, member=member)
    event.__class__.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1)
    )
    event_services.event_files_add(event=event, member=member, attachments=[files["event"].pk])
    project = services.project_create(
        created_by=member,
        municipality=municipality,
        title="Rollout",
        kind="tool",
        attachments=[files["project"].pk],
    )
    services.member_update_me(member=member, photo=files["photo"].pk)
    others = upload(other)
    forum_services.post_create(author=other, thread=thread, body="Meins", attachments=[others.pk])
    return {
        "files": files,
        "others": others,
        "post": post,
        "message": message,
        "event": event,
        "project": project,
    }


def test_erasure_removes_every_file_and_leaves_a_neutral_mark(member, traces, api_client, other):
    privacy_services.member_erase(member=member)
    assert all(gone(file) for file in traces["files"].values())
    assert not gone(traces["others"])
    for name, field in (
        ("post", "body_html"),
        ("message", "body_html"),
        ("event", "description_html"),
        ("project", "body_html"),
    ):
        row = traces[name]
        row.refresh_from_db()
        assert "Datei entfernt" in getattr(row, field), name
        assert "Konzept" not in getattr(row, field) and "Mitschrift" not in getattr(row, field)
    member.refresh_from_db()
    assert member.photo_id is None and member.photo_url is None
    api_client.force_authenticate(other)
    data = api_client.get(f"/api/forum/posts/{traces['post'].pk}/").json()
    assert data["attachments"] == [] and "Datei entfernt" in data["body_html"]


def test_after_erasure_the_forum_search_no_longer_finds_the_files_text(
    member, thread, api_client, other
):
    document = pdf(member, text="Zustaendigkeitsverordnung")
    forum_services.post_create(
        author=member, thread=thread, body="Siehe Anhang", attachments=[document.pk]
    )
    api_client.force_authenticate(other)
    query = {"q": "Zustaendigkeitsverordnung"}
    assert api_client.get("/api/forum/threads/", query).json()["count"] == 1
    privacy_services.member_erase(member=member)
    assert api_client.get("/api/forum/threads/", query).json()["count"] == 0


def test_the_export_is_a_zip_with_the_json_and_the_members_own_files(client, member, traces):
    client.force_login(member)
    response = client.get(reverse("privacy_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        names = set(archive.namelist())
        data = json.loads(archive.read("daten.json"))
        listed = {entry["id"]: entry for entry in data["files"]}
        mine = {str(f.pk) for f in traces["files"].values()}
        assert set(listed) == mine
        assert str(traces["others"].pk) not in listed
        for file in traces["files"].values():
            file.refresh_from_db()  # the photo was cropped: new bytes
            entry = listed[str(file.pk)]
            assert entry["path"] in names
            with file.blob.open("rb") as handle:
                assert archive.read(entry["path"]) == handle.read()
        kinds = {entry["attached_to"]["kind"] for entry in data["files"] if entry["attached_to"]}
        assert kinds == {"post", "message", "event", "project", "user"}
    # The JSON holds what it held before.
    assert data["account"]["email"] == member.email and "forum" in data and "chat" in data


def test_the_api_export_stays_json_and_lists_the_files(member_api, member, traces):
    response = member_api.get("/api/members/me/export/")
    assert response.status_code == 200
    assert {entry["id"] for entry in response.json()["files"]} == {
        str(f.pk) for f in traces["files"].values()
    }
