"""The apps below never call the directory: its receivers keep the search index in step."""

import pytest
from django.db import connection, transaction

from community import services
from community.models import Level, MemberSearchDocument
from community.signals import member_profiles_changed
from directory import selectors

pytestmark = pytest.mark.django_db


def _found(viewer, **filters) -> list[str]:
    return [m.display_name for m in selectors.member_search(viewer=viewer, **filters).members]


def _backend_rows(member_id: int) -> int:
    """Rows the backend keeps outside the documents (SQLite's FTS table, PostgreSQL's
    word weights)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT COUNT(*) FROM community_member_fts WHERE rowid = %s", [member_id]
            )
        else:
            cursor.execute(
                "SELECT COUNT(*) FROM directory_membersearchterm WHERE member_id = %s", [member_id]
            )
        return cursor.fetchone()[0]


def test_the_directory_listens_to_community(member):
    assert any(
        receiver.__module__ == "directory.receivers"
        for receiver in (ref() for _key, ref, *_ in member_profiles_changed.receivers)
        if receiver is not None
    )


def test_a_community_service_reaches_the_index_in_its_own_transaction(member, make_member):
    viewer = make_member(display_name="Vera Viewer")
    services.member_set_expertise(member=member, expertise={"e-akte-dms": Level.EXPERT})
    assert _found(viewer, expertise="e-akte-dms") == ["Anna Schmidt"]
    services.member_update_profile(member=member, bio="Bürgerbüro und Standesamt")
    assert _found(viewer, q="Standesamt") == ["Anna Schmidt"]


def test_a_rolled_back_change_leaves_the_index_as_it_was(member, make_member):
    viewer = make_member(display_name="Vera Viewer")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.member_update_profile(member=member, bio="Standesamt")
        raise RuntimeError
    assert _found(viewer, q="Standesamt") == []


def test_a_deleted_member_leaves_nothing_in_the_backend(member):
    services.member_update_profile(member=member, bio="Standesamt")
    assert MemberSearchDocument.objects.filter(member=member).exists()
    member_id = member.pk
    assert _backend_rows(member_id) >= 1
    member.delete()
    assert not MemberSearchDocument.objects.filter(member_id=member_id).exists()
    assert _backend_rows(member_id) == 0
