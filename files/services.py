"""Writes of stored files: upload (with every check), attach, delete, purge.

An upload is checked in the order of cost: size, name, quota (a first look),
the type from the content, the virus scan, then images are decoded and encoded
again and documents give up their text. The bytes are written to the storage
before the row; the quota is checked again under a lock on the member's row,
so parallel uploads cannot together exceed it. A refusal raises
``FileRefused``, and nothing of the upload is kept. Blobs of deleted rows
leave the storage when the transaction commits (files.signals).
"""

import contextlib
import hashlib
import logging
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from files import access, images, names, registry, scanning, selectors, types
from files.errors import FileRefused
from files.models import StoredFile
from files.signals import delete_blobs
from files.storage import files_storage
from files.text import extract_text

logger = logging.getLogger(__name__)

COPY_CHUNK = 256 * 1024


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def _too_large() -> FileRefused:
    return FileRefused(
        413,
        "too_large",
        _("Die Datei ist zu groß (höchstens %(mb)s MB).")
        % {"mb": _megabytes(settings.FILES_MAX_BYTES)},
    )


def _quota_exceeded() -> FileRefused:
    return FileRefused(
        413,
        "quota_exceeded",
        _("Ihr Speicherplatz reicht dafür nicht (%(mb)s MB je Mitglied).")
        % {"mb": _megabytes(settings.FILES_QUOTA_BYTES)},
    )


@contextlib.contextmanager
def _on_disk(upload: UploadedFile) -> Iterator[str]:
    """A path to the upload's bytes: Django's temporary file, or a copy of a small upload."""
    if hasattr(upload, "temporary_file_path"):
        upload.seek(0)
        yield upload.temporary_file_path()
        return
    with tempfile.NamedTemporaryFile(prefix="lotsennetz-upload-") as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy, COPY_CHUNK)
        copy.flush()
        yield copy.name


def _sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _checked_type(path: str, name: str) -> tuple[str, str]:
    """The accepted type and the name (with the type's ending when it had none)."""
    try:
        detected = types.detect(path)
    except types.ArchiveTooLarge:
        raise FileRefused(
            413, "too_large", _("Das Dokument würde entpackt viel zu groß.")
        ) from None
    if detected.content_type is None:
        raise FileRefused(
            415,
            "unsupported_type",
            _(
                "Dieser Dateityp wird nicht angenommen. Erlaubt sind Bilder (PNG, JPEG, GIF, "
                "WebP), PDF, Office- und OpenDocument-Dateien sowie reiner Text."
            ),
        )
    extension = names.extension_of(name)
    allowed = types.ALLOWED[detected.content_type]
    if not extension:
        return detected.content_type, names.with_extension(name, allowed[0])
    if extension not in allowed:
        raise FileRefused(
            415,
            "type_mismatch",
            _("Der Inhalt passt nicht zur Endung „.%(extension)s“ des Namens.")
            % {"extension": extension},
        )
    return detected.content_type, name


def _scan(path: str) -> None:
    if not scanning.scanner_configured():
        return
    verdict = scanning.scan(path)
    if verdict.clean:
        return
    if verdict.scanned:
        logger.warning("upload refused by the virus scanner: %s", verdict.reason)
        raise FileRefused(
            422, "infected", _("Der Virenscanner hat die Datei beanstandet; sie wurde verworfen.")
        )
    raise FileRefused(
        503,
        "scan_unavailable",
        _("Der Virenscanner ist gerade nicht erreichbar. Bitte später erneut versuchen."),
    )


def _delete_blobs(*blob_names: str) -> None:
    delete_blobs([blob_name for blob_name in blob_names if blob_name])


def file_upload(*, uploader, upload: UploadedFile) -> StoredFile:
    """Check and store one upload; raises ``FileRefused`` (nothing kept) when it may not stay."""
    size = upload.size or 0
    if size <= 0:
        raise FileRefused(400, "empty", _("Die Datei ist leer."))
    if size > settings.FILES_MAX_BYTES:
        raise _too_large()
    name = names.clean_name(upload.name or "")
    if selectors.usage_of(uploader) + size > settings.FILES_QUOTA_BYTES:
        raise _quota_exceeded()
    file = StoredFile(id=uuid.uuid4(), uploader=uploader)
    with _on_disk(upload) as path:
        content_type, name = _checked_type(path, name)
        _scan(path)
        if content_type in types.IMAGE_TYPES:
            try:
                image = images.process(path, content_type)
            except images.TooManyPixels:
                raise FileRefused(
                    413, "too_large", _("Das Bild hat zu viele Bildpunkte.")
                ) from None
            except images.Damaged:
                raise FileRefused(
                    400, "damaged", _("Das Bild ist beschädigt oder unvollständig.")
                ) from None
            content = ContentFile(image.data)
            file.width, file.height = image.width, image.height
            file.sha256 = hashlib.sha256(image.data).hexdigest()
            file.size = len(image.data)
        else:
            image = None
            file.text = extract_text(path, content_type)
            file.sha256 = _sha256_of(path)
            file.size = size
            content = File(open(path, "rb"))  # noqa: SIM115 (closed below)
        file.name, file.content_type = name, content_type
        try:
            file.blob.save(name, content, save=False)
            if image is not None:
                file.thumbnail.save(name, ContentFile(image.thumbnail), save=False)
        except Exception:
            _delete_blobs(file.blob.name, file.thumbnail.name if file.thumbnail else "")
            raise
        finally:
            content.close()
    try:
        _insert_within_quota(file)
    except BaseException:
        _delete_blobs(file.blob.name, file.thumbnail.name if file.thumbnail else "")
        raise
    return file


def _insert_within_quota(file: StoredFile) -> None:
    with transaction.atomic():
        # The member's row is the lock all their uploads queue at.
        get_user_model().objects.select_for_update().filter(pk=file.uploader_id).exists()
        if selectors.usage_of(file.uploader) + file.size > settings.FILES_QUOTA_BYTES:
            raise _quota_exceeded()
        file.save(force_insert=True)


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _invalid_attachment(message: str) -> ValidationError:
    return ValidationError({"attachments": ValidationError(message, code="invalid_attachment")})


def files_attach(*, user, ids: list, target: models.Model) -> list[StoredFile]:
    """Make ``ids`` the attachments of ``target`` (in this order); the others of it are deleted.

    Each id must name a file of ``user`` that is not attached yet, or one already
    attached to ``target`` (an edit keeps it, whoever uploaded it).
    """
    if not registry.is_registered(type(target)):
        raise TypeError(f"{type(target).__name__} is not registered with files.registry")
    keys = []
    for value in ids:
        key = _as_uuid(value)
        if key is None:
            raise _invalid_attachment(_("Unbekannte Datei."))
        if key not in keys:
            keys.append(key)
    if len(keys) > settings.FILES_PER_OBJECT:
        raise ValidationError(
            {
                "attachments": ValidationError(
                    _("Höchstens %(count)d Dateien je Beitrag.")
                    % {"count": settings.FILES_PER_OBJECT},
                    code="too_many_attachments",
                )
            }
        )
    kind = ContentType.objects.get_for_model(target)
    now = timezone.now()
    with transaction.atomic():
        found = {
            file.pk: file
            for file in StoredFile.objects.select_for_update().filter(
                models.Q(pk__in=keys) | models.Q(attached_type=kind, attached_id=target.pk)
            )
        }
        chosen = []
        for key in keys:
            file = found.get(key)
            already = file is not None and (
                file.attached_type_id == kind.pk and file.attached_id == target.pk
            )
            own_loose = file is not None and not file.is_attached and file.uploader_id == user.pk
            if not (already or own_loose):
                raise _invalid_attachment(_("Unbekannte oder schon verwendete Datei."))
            if own_loose:
                file.attached_type, file.attached_id, file.attached_at = kind, target.pk, now
                file.save(update_fields=["attached_type", "attached_id", "attached_at"])
            chosen.append(file)
        dropped = [pk for pk in found if pk not in keys]
        if dropped:
            StoredFile.objects.filter(pk__in=dropped).delete()
    return chosen


def files_delete_for(*, target: models.Model) -> int:
    """Delete every file attached to ``target`` (a post, a message that is deleted)."""
    with transaction.atomic():
        deleted, _per_model = selectors.files_attached_to(target).delete()
    return deleted


def file_delete(*, user, file: StoredFile) -> None:
    """The uploader, or whoever may manage the object it is attached to."""
    if not access.can_manage(user, file):
        raise PermissionDenied
    with transaction.atomic():
        file.delete()


def files_delete_of_member(*, user) -> int:
    """Erasure: every file the member uploaded, with its bytes."""
    with transaction.atomic():
        deleted, _per_model = StoredFile.objects.filter(uploader=user).delete()
    return deleted


def files_purge_unattached(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Uploads nobody attached within ``older_than`` (cron: manage.py purge_files)."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        deleted, _per_model = StoredFile.objects.filter(
            attached_type__isnull=True, created_at__lt=cutoff
        ).delete()
    return deleted


def _stored_names(directory: str) -> Iterator[str]:
    """Every blob name under ``directory`` of the storage, one level of subdirectories deep."""
    subdirectories, names_here = files_storage.listdir(directory)
    for name in names_here:
        yield f"{directory}/{name}" if directory else name
    for subdirectory in subdirectories:
        path = f"{directory}/{subdirectory}" if directory else subdirectory
        _more, names_there = files_storage.listdir(path)
        for name in names_there:
            yield f"{path}/{name}"


def files_purge_orphaned_blobs(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Bytes in the storage that no row names (a worker stopped between writing the
    bytes and the row); only those older than ``older_than``, so that an upload in
    flight keeps its bytes."""
    cutoff = timezone.now() - older_than
    deleted = 0
    for directory in ("", "vorschau"):
        try:
            stored = set(_stored_names(directory))
        except FileNotFoundError:
            continue
        if directory == "":
            stored = {name for name in stored if not name.startswith("vorschau/")}
        ordered = sorted(stored)
        for chunk_start in range(0, len(ordered), 500):
            chunk = ordered[chunk_start : chunk_start + 500]
            known = set(
                StoredFile.objects.filter(blob__in=chunk).values_list("blob", flat=True)
            ) | set(
                StoredFile.objects.filter(thumbnail__in=chunk).values_list("thumbnail", flat=True)
            )
            for name in chunk:
                if name in known:
                    continue
                try:
                    if files_storage.get_modified_time(name) >= cutoff:
                        continue
                except (FileNotFoundError, NotImplementedError):
                    continue
                delete_blobs([name])
                deleted += 1
    return deleted
