"""Editing without losing another's edit (docs/api.md): ETag / If-Match, and the pages.

The attack (or the accident): two tabs, two organizers, two moderators edit the
same forum post, chat message, event or project; whoever saves last silently
overwrote the other. Now a GET sends the object's version as a strong ETag, a
PATCH with a stale ``If-Match`` answers 412 and changes nothing, and an edit
form that meets another's save shows both versions instead of losing one.
"""

import datetime as dt
import re
import threading
from dataclasses import dataclass

import pytest
from django import forms
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from chat import services as chat_services
from chat.models import Message, RoomKind
from community import services as community_services
from community.models import Project, ProjectKind
from core.concurrency import parse_if_match
from events import services as event_services
from events.models import Event
from forum import services as forum_services
from forum.models import Post, PostRevision
from tests.forum.conftest import _category

KINDS = ["post", "message", "event", "project"]


@dataclass
class Editable:
    """One object of a kind: where the API has it, which text field an edit changes."""

    url: str
    field: str
    model: type
    pk: int

    def stored(self) -> str:
        return getattr(self.model.objects.get(pk=self.pk), self.field)


def make_editable(kind: str, editor) -> Editable:
    """The object, built through the services, editable by ``editor``."""
    if kind == "post":
        thread = forum_services.thread_create(
            author=editor, category=_category("austausch"), title="E-Akte", body="Erste Fassung"
        )
        post = thread.posts.get(number=1)
        return Editable(f"/api/forum/posts/{post.pk}/", "body", Post, post.pk)
    if kind == "message":
        room = chat_services.room_create(
            created_by=None, name="Allgemein", kind=RoomKind.NETWORK, slug="allgemein"
        )
        message, _created = chat_services.message_post(
            room=room, author=editor, body="Erste Fassung", client_id="c1", rate_limited=False
        )
        return Editable(
            f"/api/chat/rooms/allgemein/messages/{message.seq}/", "body", Message, message.pk
        )
    if kind == "event":
        starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=7)
        event = event_services.event_create(
            created_by=editor,
            title="Netzwerktreffen",
            description="Erste Fassung",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            hosting_municipality=editor.municipality,
        )
        return Editable(f"/api/events/{event.pk}/", "description", Event, event.pk)
    project = community_services.project_create(
        created_by=editor,
        municipality=editor.municipality,
        title="E-Akte im Bürgerbüro",
        kind=ProjectKind.EAKTE,
        members=[editor],
        body="Erste Fassung",
    )
    return Editable(f"/api/projects/{project.pk}/", "body", Project, project.pk)


@pytest.fixture(params=KINDS)
def editable(request, coordinator):
    return make_editable(request.param, coordinator)


@pytest.fixture
def tabs(coordinator):
    """Two API clients of the same editor: two tabs, or two people with the same rights."""
    first, second = APIClient(), APIClient()
    first.force_authenticate(coordinator)
    second.force_authenticate(coordinator)
    return first, second


def patch(client, editable: Editable, text: str, **headers):
    return client.patch(editable.url, {editable.field: text}, format="json", headers=headers)


# --- the API -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_get_sends_the_version_as_a_strong_etag(editable, tabs):
    response = tabs[0].get(editable.url)
    assert response.status_code == 200
    assert response["ETag"] == '"1"'


@pytest.mark.django_db
def test_a_patch_with_a_stale_if_match_answers_412_and_changes_nothing(editable, tabs):
    first, second = tabs
    seen = first.get(editable.url)["ETag"]
    assert patch(second, editable, "Die Fassung der anderen").status_code == 200

    response = patch(first, editable, "Meine Fassung", **{"If-Match": seen})

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert response.json()["detail"]
    assert response["ETag"] == second.get(editable.url)["ETag"] != seen
    assert editable.stored() == "Die Fassung der anderen"


@pytest.mark.django_db
def test_a_patch_with_the_current_if_match_saves_and_answers_the_new_etag(editable, tabs):
    first, _second = tabs
    seen = first.get(editable.url)["ETag"]

    response = patch(first, editable, "Meine Fassung", **{"If-Match": seen})

    assert response.status_code == 200
    assert editable.stored() == "Meine Fassung"
    assert response["ETag"] not in (seen, None)
    assert first.get(editable.url)["ETag"] == response["ETag"]
    # The new ETag is good for the next edit; the old one no longer is.
    assert patch(first, editable, "Noch einmal", **{"If-Match": seen}).status_code == 412
    again = patch(first, editable, "Noch einmal", **{"If-Match": response["ETag"]})
    assert again.status_code == 200
    assert editable.stored() == "Noch einmal"


@pytest.mark.django_db
def test_a_patch_without_if_match_or_with_a_star_behaves_as_before(editable, tabs):
    first, second = tabs
    assert patch(second, editable, "Die Fassung der anderen").status_code == 200

    assert patch(first, editable, "Ohne Bedingung").status_code == 200
    assert editable.stored() == "Ohne Bedingung"
    assert patch(first, editable, "Mit Stern", **{"If-Match": "*"}).status_code == 200
    assert editable.stored() == "Mit Stern"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["post", "event"])
@pytest.mark.parametrize(
    ("if_match", "status"),
    [("1", 400), ('W/"1"', 412), ('"x1"', 412), ('"2", "1"', 200), (', "1"', 400)],
)
def test_if_match_is_compared_strongly_and_a_malformed_one_is_a_400(
    kind, if_match, status, coordinator, tabs
):
    editable = make_editable(kind, coordinator)
    response = patch(tabs[0], editable, "Neu", **{"If-Match": if_match})
    assert response.status_code == status, response.content
    assert editable.stored() == ("Neu" if status == 200 else "Erste Fassung")
    if status == 400:
        assert "If-Match" in response.json()


def test_parse_if_match_reads_lists_stars_and_weak_tags():
    assert parse_if_match(None) is None
    assert parse_if_match(" * ") is None
    assert parse_if_match('"3"') == {3}
    assert parse_if_match('"3" , W/"4", "x", "5"') == {3, 5}
    assert parse_if_match('"99999999999"') == frozenset()
    for malformed in ["", "3", '"3', '"3",', '*, "3"', "W/3", '"a"b"']:
        with pytest.raises(ValueError):
            parse_if_match(malformed)


@pytest.mark.django_db
def test_a_post_edited_under_a_stale_if_match_keeps_no_revision_of_it(coordinator, tabs):
    editable = make_editable("post", coordinator)
    first, second = tabs
    seen = first.get(editable.url)["ETag"]
    patch(second, editable, "Die Fassung der anderen")
    revisions = PostRevision.objects.filter(post_id=editable.pk).count()

    assert patch(first, editable, "Meine Fassung", **{"If-Match": seen}).status_code == 412
    assert PostRevision.objects.filter(post_id=editable.pk).count() == revisions


@pytest.mark.django_db
def test_the_schema_documents_etag_if_match_and_412():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = {
        "/api/forum/posts/{id}/",
        "/api/chat/rooms/{slug}/messages/{seq}/",
        "/api/events/{id}/",
        "/api/projects/{id}/",
    }
    for path in paths:
        operations = schema["paths"][path]
        headers = {p["name"] for p in operations["patch"]["parameters"] if p["in"] == "header"}
        assert "If-Match" in headers, path
        assert "412" in operations["patch"]["responses"], path
        assert "ETag" in operations["patch"]["responses"]["200"]["headers"], path
        assert "ETag" in operations["get"]["responses"]["200"]["headers"], path


# --- two edits at the same moment ----------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", KINDS)
def test_of_two_concurrent_patches_with_the_same_if_match_exactly_one_wins(
    kind, needs_postgres, coordinator
):
    editable = make_editable(kind, coordinator)
    reader = APIClient()
    reader.force_authenticate(coordinator)
    seen = reader.get(editable.url)["ETag"]
    start = threading.Barrier(2)
    results = {}

    def edit(text):
        client = APIClient()
        client.force_authenticate(coordinator)
        try:
            start.wait(timeout=10)
            results[text] = patch(client, editable, text, **{"If-Match": seen}).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(t,)) for t in ("Fassung A", "Fassung B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results.values()) == [200, 412], results
    winner = next(text for text, status in results.items() if status == 200)
    assert editable.stored() == winner


# --- the pages -------------------------------------------------------------------------------
EDIT_PAGES = {
    "post": "/forum/beitrag/{pk}/bearbeiten/",
    "event": "/termine/{pk}/bearbeiten/",
    "project": "/projekte/{pk}/bearbeiten/",
}


def submitted(form) -> dict:
    """What a browser sends for ``form`` as rendered (the hidden version included)."""
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field.widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif value is not None:
            data[bound.html_name] = bound.field.widget.format_value(value) or ""
    return data


def other_save(kind: str, pk: int, editor) -> None:
    """Someone else saves meanwhile: another text and (events, projects) another title."""
    if kind == "post":
        forum_services.post_update(
            editor=editor, post=Post.objects.get(pk=pk), body="Die Fassung der anderen"
        )
    elif kind == "event":
        event_services.event_update(
            event=Event.objects.get(pk=pk),
            description="Die Fassung der anderen",
            title="Titel der anderen",
        )
    else:
        community_services.project_update(
            project=Project.objects.get(pk=pk),
            body="Die Fassung der anderen",
            title="Titel der anderen",
        )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(EDIT_PAGES))
def test_an_edit_form_that_meets_another_save_shows_both_versions_and_loses_none(
    kind, coordinator, client
):
    editable = make_editable(kind, coordinator)
    url = EDIT_PAGES[kind].format(pk=editable.pk)
    client.force_login(coordinator)
    page = client.get(url)
    assert page.status_code == 200
    assert re.search(r'<input type="hidden" name="version" value="1"', page.content.decode())
    mine = submitted(page.context["form"]) | {editable.field: "Meine Fassung"}

    other_save(kind, editable.pk, coordinator)
    response = client.post(url, mine)

    assert response.status_code == 200
    html = response.content.decode()
    alert = re.search(r'<div class="form-errors" role="alert"[^>]*>(.*?)</div>', html, re.S)
    assert alert and "Jemand anderes hat inzwischen gespeichert" in alert[1]
    stored = re.search(
        rf'<pre class="edit-conflict-stored" id="gespeichert-{editable.field}">(.*?)</pre>',
        html,
        re.S,
    )
    assert stored and stored[1] == "Die Fassung der anderen"
    if kind != "post":
        assert 'id="gespeichert-title">Titel der anderen</pre>' in html
    # The editor's own text stays in the editor; nothing of it is stored yet.
    assert re.search(rf'<textarea name="{editable.field}"[^>]*>\s*Meine Fassung</textarea>', html)
    assert editable.stored() == "Die Fassung der anderen"

    # The form now carries the current version: saving again deliberately takes this one.
    again = client.post(url, submitted(response.context["form"]))
    assert again.status_code == 302
    assert editable.stored() == "Meine Fassung"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(EDIT_PAGES))
def test_an_edit_form_without_another_save_saves_at_once(kind, coordinator, client):
    editable = make_editable(kind, coordinator)
    url = EDIT_PAGES[kind].format(pk=editable.pk)
    client.force_login(coordinator)
    mine = submitted(client.get(url).context["form"]) | {editable.field: "Meine Fassung"}

    assert client.post(url, mine).status_code == 302
    assert editable.stored() == "Meine Fassung"
    # A second submit of the same (now stale) form is a conflict, not a silent overwrite.
    assert client.post(url, mine | {editable.field: "Spät"}).status_code == 200
    assert editable.stored() == "Meine Fassung"


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["abc", "0", "-1", "99999999999"])
def test_a_garbled_version_on_an_edit_page_counts_as_stale_and_stores_nothing(
    version, coordinator, client
):
    editable = make_editable("post", coordinator)
    url = EDIT_PAGES["post"].format(pk=editable.pk)
    client.force_login(coordinator)

    response = client.post(url, {"body": "Meine Fassung", "version": version})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert editable.stored() == "Erste Fassung"
