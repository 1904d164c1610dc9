"""Thread titles and tags: edited by the author or a moderator, with history and log."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from community.models import Expertise
from forum import selectors, services
from forum.models import ModerationAction, ModerationLog, ThreadRevision

pytestmark = pytest.mark.django_db


def test_the_author_renames_and_retags_and_the_old_state_stays_readable(thread, member):
    tags = list(Expertise.objects.order_by("pk")[:2])
    services.thread_update(
        editor=member, thread=thread, title="  E-Akte:   Erfahrungen ", tags=tags
    )
    thread.refresh_from_db()
    # Trimmed and spaces collapsed, as on creation (a line break is refused: test_boundaries).
    assert thread.title == "E-Akte: Erfahrungen"
    assert set(thread.tags.all()) == set(tags) and thread.edited_at is not None
    revision = ThreadRevision.objects.get(thread=thread)
    assert revision.title == "Erfahrungen mit der E-Akte" and revision.tags == ""
    assert revision.editor == member
    # The author's own edit is no moderation.
    assert not ModerationLog.objects.filter(thread=thread).exists()


def test_a_moderator_edit_of_someone_elses_thread_is_logged(thread, moderator):
    services.thread_update(editor=moderator, thread=thread, title="Neuer Titel")
    log = ModerationLog.objects.get(thread=thread)
    assert log.action == ModerationAction.THREAD_EDIT and log.moderator == moderator
    assert "Neuer Titel" in log.detail and "Erfahrungen mit der E-Akte" in log.detail


def test_nothing_changed_keeps_no_revision(thread, member):
    services.thread_update(editor=member, thread=thread, title=thread.title, tags=[])
    assert not ThreadRevision.objects.exists()


def test_titles_are_validated_as_on_creation(thread, member):
    for title, code in (("   ", "required"), ("x" * 201, "max_length")):
        with pytest.raises(ValidationError) as exc:
            services.thread_update(editor=member, thread=thread, title=title)
        assert exc.value.error_dict["title"][0].code == code
    with pytest.raises(ValidationError) as exc:
        services.thread_update(editor=member, thread=thread, tags=list(Expertise.objects.all()[:6]))
    assert exc.value.error_dict["tags"][0].code == "max_length"
    thread.refresh_from_db()
    assert thread.title == "Erfahrungen mit der E-Akte"


def test_others_may_not_edit_and_a_locked_thread_only_by_moderators(
    thread, member, other, moderator
):
    with pytest.raises(PermissionDenied):
        services.thread_update(editor=other, thread=thread, title="Gekapert")
    services.thread_moderate(moderator=moderator, thread=thread, locked=True)
    with pytest.raises(PermissionDenied):
        services.thread_update(editor=member, thread=thread, title="Noch einmal")
    services.thread_update(editor=moderator, thread=thread, title="Von der Moderation")


def test_search_finds_the_new_title(thread, member):
    services.thread_update(editor=member, thread=thread, title="Dokumentenscanner im Bürgerbüro")
    found = list(selectors.thread_search(viewer=member, q="Dokumentenscanner"))
    assert found == [thread]


def test_edit_page_and_history_page(member_client, client, thread, other):
    page = member_client.get(f"/forum/thema/{thread.pk}/")
    assert f"/forum/thema/{thread.pk}/bearbeiten/" in page.content.decode()
    response = member_client.post(
        f"/forum/thema/{thread.pk}/bearbeiten/", {"title": "", "tags": []}
    )
    assert response.status_code == 200 and "title" in response.context["form"].errors
    response = member_client.post(
        f"/forum/thema/{thread.pk}/bearbeiten/", {"title": "Umbenannt", "tags": ["e-akte-dms"]}
    )
    assert response.status_code == 302
    page = member_client.get(f"/forum/thema/{thread.pk}/?seite=1").content.decode()
    assert "Umbenannt" in page and "Thema geändert" in page
    history = member_client.get(f"/forum/thema/{thread.pk}/versionen/").content.decode()
    assert "Erfahrungen mit der E-Akte" in history and "Umbenannt" in history
    client.force_login(other)
    assert client.get(f"/forum/thema/{thread.pk}/bearbeiten/").status_code == 403
    assert client.post(f"/forum/thema/{thread.pk}/bearbeiten/", {"title": "x"}).status_code == 403


def test_patch_renames_for_the_author_and_refuses_others(member_api, thread, other, moderator):
    url = f"/api/forum/threads/{thread.pk}/"
    response = member_api.patch(url, {"title": "Per API", "tags": ["e-akte-dms"]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Per API" and response.json()["tags"] == ["e-akte-dms"]
    assert member_api.patch(url, {"title": " "}, format="json").status_code == 400
    assert "tags" in member_api.patch(url, {"tags": ["gibt-es-nicht"]}, format="json").json()
    # Pinning stays with the moderators, also for the author.
    assert member_api.patch(url, {"pinned": True}, format="json").status_code == 403
    stranger = APIClient()
    stranger.force_authenticate(other)
    assert stranger.patch(url, {"title": "Fremd"}, format="json").status_code == 403
    mod = APIClient()
    mod.force_authenticate(moderator)
    response = mod.patch(url, {"title": "Moderiert", "pinned": True}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Moderiert" and response.json()["pinned"] is True
    assert set(ModerationLog.objects.values_list("action", flat=True)) == {"pin", "thread_edit"}


def test_thread_history_queries_do_not_grow(
    member_client, thread, member, moderator, django_assert_num_queries
):
    from tests.forum.test_pages import assert_constant_queries

    services.thread_update(editor=member, thread=thread, title="Erste Änderung")

    def grow():
        for n in range(10):
            editor = moderator if n % 2 else member
            services.thread_update(editor=editor, thread=thread, title=f"Änderung {n}")

    assert_constant_queries(
        member_client,
        f"/forum/thema/{thread.pk}/versionen/",
        grow,
        django_assert_num_queries,
        status=200,
    )
