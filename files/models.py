"""An uploaded file: checked, stored by its id, attached to at most one object."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from files.storage import get_files_storage

# Types a browser shows in the page; everything else is only ever downloaded.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def blob_path(instance: "StoredFile", filename: str) -> str:
    """By id, never by name: a name cannot choose where bytes land."""
    return f"{instance.id.hex[:2]}/{instance.id.hex}"


def thumbnail_path(instance: "StoredFile", filename: str) -> str:
    return f"vorschau/{instance.id.hex[:2]}/{instance.id.hex}.webp"


class StoredFile(models.Model):
    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="uploaded_files",
        verbose_name=_("hochgeladen von"),
    )
    blob = models.FileField(
        _("Inhalt"), storage=get_files_storage, upload_to=blob_path, max_length=200
    )
    thumbnail = models.FileField(
        _("Vorschau"),
        storage=get_files_storage,
        upload_to=thumbnail_path,
        max_length=200,
        blank=True,
        null=True,
    )
    name = models.CharField(_("Name"), max_length=255)
    content_type = models.CharField(_("Typ"), max_length=100)
    size = models.PositiveBigIntegerField(_("Größe in Bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("Breite"), null=True, blank=True)
    height = models.PositiveIntegerField(_("Höhe"), null=True, blank=True)
    text = models.TextField(_("enthaltener Text"), blank=True)
    created_at = models.DateTimeField(_("hochgeladen am"), auto_now_add=True, db_index=True)
    attached_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("angehängt an (Art)"),
    )
    attached_id = models.PositiveBigIntegerField(_("angehängt an (ID)"), null=True, blank=True)
    attached_to = GenericForeignKey("attached_type", "attached_id")
    attached_at = models.DateTimeField(_("angehängt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Datei")
        verbose_name_plural = _("Dateien")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["attached_type", "attached_id"], name="files_attached_idx"),
            models.Index(fields=["uploader", "created_at"], name="files_uploader_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(attached_type__isnull=True, attached_id__isnull=True)
                | Q(attached_type__isnull=False, attached_id__isnull=False),
                name="files_attached_both_or_neither",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="files_size_positive"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("file_download", kwargs={"pk": self.pk, "name": self.name})

    def get_thumbnail_url(self) -> str | None:
        if not self.thumbnail:
            return None
        return reverse("file_thumbnail", kwargs={"pk": self.pk})

    @property
    def is_image(self) -> bool:
        return self.content_type in INLINE_TYPES

    @property
    def is_attached(self) -> bool:
        return self.attached_type_id is not None
