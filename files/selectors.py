"""Reads of stored files."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet, Sum

from files.models import StoredFile


def usage_of(user) -> int:
    """Bytes the member's files take (what counts against ``FILES_QUOTA_BYTES``)."""
    return StoredFile.objects.filter(uploader=user).aggregate(total=Sum("size"))["total"] or 0


def files_of_member(user) -> QuerySet[StoredFile]:
    """Every file the member uploaded, oldest first (export, erasure)."""
    return StoredFile.objects.filter(uploader=user).select_related("attached_type")


def files_attached_to(target) -> QuerySet[StoredFile]:
    return StoredFile.objects.filter(
        attached_type=ContentType.objects.get_for_model(target), attached_id=target.pk
    )
