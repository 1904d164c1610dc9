"""The file object of the API, and the field other apps use to take and show attachments."""

import uuid

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers

from files.models import StoredFile


class FileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = StoredFile
        fields = [
            "id",
            "name",
            "size",
            "content_type",
            "url",
            "thumbnail_url",
            "width",
            "height",
            "created_at",
        ]
        read_only_fields = fields

    def get_url(self, file: StoredFile) -> str:
        return file.get_absolute_url()

    def get_thumbnail_url(self, file: StoredFile) -> str | None:
        return file.get_thumbnail_url()


class FileUploadSerializer(serializers.Serializer):
    """The multipart body of ``POST /api/files/``: one part ``file``."""

    file = serializers.FileField(allow_empty_file=True, use_url=False)


class FileRefusalSerializer(serializers.Serializer):
    """A refused upload: why, and a stable code (too_large, quota_exceeded, ...)."""

    detail = serializers.CharField()
    code = serializers.CharField()


class AttachmentsField(serializers.Field):
    """Attachments of an object: written as a list of file ids (at most
    ``FILES_PER_OBJECT``), read as the list of file objects.

    The read side expects the object's ``attachments`` GenericRelation (prefetch
    it); the write side only parses: the service checks ownership with
    ``files.services.files_attach``.
    """

    default_error_messages = {
        "not_a_list": _("Erwartet eine Liste von Datei-IDs."),
        "invalid_attachment": _("Unbekannte Datei."),
        "too_many_attachments": _("Höchstens %(count)d Dateien je Beitrag."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> list[uuid.UUID]:
        if not isinstance(data, list):
            self.fail("not_a_list")
        keys: list[uuid.UUID] = []
        for value in data:
            if not isinstance(value, str | uuid.UUID):
                self.fail("invalid_attachment")
            try:
                key = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
            except ValueError:
                self.fail("invalid_attachment")
            if key not in keys:
                keys.append(key)
        if len(keys) > settings.FILES_PER_OBJECT:
            raise serializers.ValidationError(
                self.error_messages["too_many_attachments"] % {"count": settings.FILES_PER_OBJECT},
                code="too_many_attachments",
            )
        return keys

    def to_representation(self, value):
        files = value.all() if hasattr(value, "all") else value
        return FileSerializer(files, many=True, context=self.context).data


class AttachmentsFieldExtension(OpenApiSerializerFieldExtension):
    """In the schema: ids on the way in, file objects on the way out."""

    target_class = AttachmentsField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            schema = build_array_type(build_basic_type(OpenApiTypes.UUID))
            schema["maxItems"] = settings.FILES_PER_OBJECT
            return schema
        component = auto_schema.resolve_serializer(FileSerializer, direction)
        return build_array_type(component.ref)
