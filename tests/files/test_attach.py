"""Attaching files to objects, following their access rules; deleting, erasure, the purge."""

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from community.models import Municipality
from files import access, registry, selectors, services
from files.models import StoredFile
from files.serializers import AttachmentsField, FileSerializer
from tests.files import samples
from tests.files.conftest import stored_blobs
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachable_municipalities():
    """A stand-in for the apps above: a municipality's files, seen by its members,
    managed by its coordinators (the real registrations live in the apps)."""
    saved = dict(registry._REGISTRY)
    registry.register_attachable(
        Municipality,
        can_view=lambda user, town: user.municipality_id == town.pk,
        can_manage=lambda user, town: user.is_coordinator_of(town),
    )
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


def upload(member, name="a.txt", data=b"Inhalt\n"):
    return services.file_upload(uploader=member, upload=samples.upload(name, data))


def test_an_attached_file_follows_the_object_it_is_attached_to(
    attachable_municipalities, member, make_member, municipality
):
    file = upload(member)
    services.files_attach(user=member, ids=[file.pk], target=municipality)
    file.refresh_from_db()
    assert file.attached_to == municipality and file.attached_at is not None
    neighbour = make_member(municipality=municipality)
    stranger = make_member()  # another municipality
    assert access.access_file(neighbour, file.pk) == file
    with pytest.raises(Http404):
        access.access_file(stranger, file.pk)


def test_a_member_whose_access_ended_sees_nothing(attachable_municipalities, member, municipality):
    file = upload(member)
    services.files_attach(user=member, ids=[file.pk], target=municipality)
    member.is_active = False
    member.save(update_fields=["is_active"])
    with pytest.raises(Http404):
        access.access_file(member, file.pk)


def test_files_of_unregistered_kinds_or_deleted_objects_are_seen_by_nobody(
    attachable_municipalities, member, make_municipality
):
    town = make_municipality()
    member.municipality = town
    member.save(update_fields=["municipality"])
    file = upload(member)
    services.files_attach(user=member, ids=[file.pk], target=town)
    registry._REGISTRY.clear()
    with pytest.raises(Http404):
        access.access_file(member, file.pk)
    StoredFile.objects.filter(pk=file.pk).update(attached_id=town.pk + 1000)
    assert not access.can_view(member, StoredFile.objects.get(pk=file.pk))


def test_staff_is_not_allowed_implicitly(attachable_municipalities, member, make_member):
    file = upload(member)
    admin = make_member()
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    with pytest.raises(Http404):
        access.access_file(admin, file.pk)


def test_only_own_unattached_files_can_be_attached(
    attachable_municipalities, member, make_member, municipality, make_municipality
):
    other = make_member(municipality=municipality)
    theirs = upload(other)
    with pytest.raises(ValidationError) as error:
        services.files_attach(user=member, ids=[theirs.pk], target=municipality)
    assert error.value.error_dict["attachments"][0].code == "invalid_attachment"
    mine = upload(member)
    elsewhere = make_municipality()
    services.files_attach(user=member, ids=[mine.pk], target=elsewhere)
    with pytest.raises(ValidationError):
        services.files_attach(user=member, ids=[mine.pk], target=municipality)
    for bad in ["kein-uuid", 17, None, "00000000-0000-0000-0000-000000000000"]:
        with pytest.raises(ValidationError):
            services.files_attach(user=member, ids=[bad], target=municipality)
    theirs.refresh_from_db()
    assert not theirs.is_attached


def test_at_most_ten_files_per_object(attachable_municipalities, member, municipality):
    files = [upload(member, f"{n}.txt") for n in range(11)]
    with pytest.raises(ValidationError) as error:
        services.files_attach(user=member, ids=[f.pk for f in files], target=municipality)
    assert error.value.error_dict["attachments"][0].code == "too_many_attachments"
    chosen = services.files_attach(user=member, ids=[f.pk for f in files[:10]], target=municipality)
    assert [f.pk for f in chosen] == [f.pk for f in files[:10]]


def test_an_edit_replaces_the_list_and_deletes_what_was_dropped(
    attachable_municipalities, member, make_member, municipality, django_capture_on_commit_callbacks
):
    first, second = upload(member, "1.txt", b"eins\n"), upload(member, "2.txt", b"zwei\n")
    services.files_attach(user=member, ids=[first.pk, second.pk], target=municipality)
    # A coordinator editing keeps the author's files by naming them again.
    coordinator = make_member(municipality=municipality, role="coordinator")
    third = upload(coordinator, "3.txt", b"drei\n")
    blob_of_first = first.blob.path
    with django_capture_on_commit_callbacks(execute=True):
        chosen = services.files_attach(
            user=coordinator, ids=[second.pk, third.pk], target=municipality
        )
    assert [f.pk for f in chosen] == [second.pk, third.pk]
    assert not StoredFile.objects.filter(pk=first.pk).exists()
    assert blob_of_first not in {str(p) for p in stored_blobs()}
    assert set(selectors.files_attached_to(municipality)) == {second, third}


def test_deleting_the_object_s_files_removes_their_bytes_on_commit(
    attachable_municipalities, member, municipality, django_capture_on_commit_callbacks
):
    file = upload(member, "foto.png", samples.png())
    services.files_attach(user=member, ids=[file.pk], target=municipality)
    assert len(stored_blobs()) == 2  # the image and its thumbnail
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.files_delete_for(target=municipality) == 1
    assert len(stored_blobs()) == 2  # not before the commit
    for callback in callbacks:
        callback()
    assert stored_blobs() == set()


def test_the_uploader_or_a_manager_may_delete_a_file(
    attachable_municipalities, member, make_member, municipality, django_capture_on_commit_callbacks
):
    file = upload(member)
    services.files_attach(user=member, ids=[file.pk], target=municipality)
    file.refresh_from_db()
    neighbour = make_member(municipality=municipality)
    with pytest.raises(PermissionDenied):
        services.file_delete(user=neighbour, file=file)
    coordinator = make_member(municipality=municipality, role="coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        services.file_delete(user=coordinator, file=file)
    assert not StoredFile.objects.exists() and stored_blobs() == set()


def test_deleting_through_the_api(member_api, member, make_member, loose_file):
    other = make_member(municipality=member.municipality)
    member_api.force_authenticate(other)
    assert member_api.delete(f"/api/files/{loose_file.pk}/").status_code == 404
    member_api.force_authenticate(member)
    assert member_api.delete(f"/api/files/{loose_file.pk}/").status_code == 204
    assert not StoredFile.objects.exists()


def test_a_viewer_who_may_not_manage_gets_403_on_delete(
    attachable_municipalities, member_api, member, make_member, municipality
):
    file = upload(member)
    services.files_attach(user=member, ids=[file.pk], target=municipality)
    member_api.force_authenticate(make_member(municipality=municipality))
    assert member_api.get(f"/api/files/{file.pk}/").status_code == 200
    assert member_api.delete(f"/api/files/{file.pk}/").status_code == 403


def test_erasure_removes_every_file_of_the_member_with_its_bytes(
    attachable_municipalities, member, make_member, municipality, django_capture_on_commit_callbacks
):
    attached, _loose = upload(member, "a.png", samples.png()), upload(member, "b.txt")
    services.files_attach(user=member, ids=[attached.pk], target=municipality)
    keep = upload(make_member(), "c.txt", b"bleibt\n")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.files_delete_of_member(user=member) == 2
    assert list(StoredFile.objects.all()) == [keep]
    assert {p.name for p in stored_blobs()} == {keep.blob.name.rsplit("/", 1)[1]}
    assert selectors.usage_of(member) == 0


def test_unattached_uploads_older_than_a_day_are_purged_by_the_cron_command(
    attachable_municipalities, member, municipality, django_capture_on_commit_callbacks
):
    old_loose, new_loose, old_attached = (
        upload(member, "1.txt"),
        upload(member, "2.txt"),
        upload(member, "3.txt"),
    )
    services.files_attach(user=member, ids=[old_attached.pk], target=municipality)
    day_ago = timezone.now() - timedelta(days=1, minutes=1)
    StoredFile.objects.filter(pk__in=[old_loose.pk, old_attached.pk]).update(created_at=day_ago)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_files")
    assert set(StoredFile.objects.all()) == {new_loose, old_attached}
    assert len(stored_blobs()) == 2


def test_usage_counts_the_member_s_bytes(member, make_member):
    upload(member, "a.txt", b"x" * 10)
    upload(member, "b.txt", b"y" * 5)
    upload(make_member(), "c.txt", b"z" * 7)
    assert selectors.usage_of(member) == 15
    assert [f.name for f in selectors.files_of_member(member)] == ["a.txt", "b.txt"]


def test_the_attachments_field_reads_file_objects_and_writes_ids(member):
    files = [upload(member, f"{n}.txt") for n in range(2)]
    field = AttachmentsField()
    assert field.to_representation(files) == FileSerializer(files, many=True).data
    ids = [str(f.pk) for f in files]
    assert field.to_internal_value([*ids, ids[0]]) == [f.pk for f in files]
    for bad in ["x", [1], ["kein-uuid"], {"id": ids[0]}, [str(n) * 32 for n in range(11)]]:
        with pytest.raises(Exception) as error:
            field.to_internal_value(bad)
        assert type(error.value).__name__ == "ValidationError"


def test_reading_a_file_costs_the_same_however_many_files_exist(
    member_api, member, django_assert_num_queries
):
    file = upload(member)
    assert_constant_queries(
        member_api,
        f"/api/files/{file.pk}/",
        lambda: [upload(member, f"{n}.txt") for n in range(5)],
        django_assert_num_queries,
        status=200,
    )


def test_an_attached_file_s_access_check_costs_the_same_as_a_loose_one(
    attachable_municipalities, member_client, member, municipality, django_assert_num_queries
):
    file = upload(member, "a.png", samples.png())
    services.files_attach(user=member, ids=[file.pk], target=municipality)

    def grow():
        for n in range(5):
            services.files_attach(
                user=member,
                ids=[file.pk, *[upload(member, f"{n}-{m}.txt").pk for m in range(1)]],
                target=municipality,
            )

    assert_constant_queries(
        member_client, file.get_absolute_url(), grow, django_assert_num_queries, status=200
    )


def test_bytes_no_row_names_are_purged_once_they_are_a_day_old(member, settings):
    kept = upload(member, "bleibt.png", samples.png())
    root = Path(settings.FILES_ROOT)
    old_orphan, new_orphan = root / "ab" / "abababab", root / "vorschau" / "cd" / "cdcd.webp"
    for orphan in (old_orphan, new_orphan):
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_bytes(b"verwaist")
    day_ago = (timezone.now() - timedelta(days=1, minutes=1)).timestamp()
    os.utime(old_orphan, (day_ago, day_ago))
    stale_kept = root / kept.blob.name
    for path in (stale_kept, root / kept.thumbnail.name):
        os.utime(path, (day_ago, day_ago))
    call_command("purge_files", stdout=io.StringIO())
    assert not old_orphan.exists()
    assert new_orphan.exists()  # an upload in flight may have written it just now
    assert stale_kept.exists() and (root / kept.thumbnail.name).exists()
