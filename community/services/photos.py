"""A member's profile photo: an uploaded image, attached to the member, cropped to a square.

The upload itself went through ``files.services.file_upload`` (type from the
content, re-encoded without metadata, pixel limit). Here it is attached to
its member (files.registry: every active member may see it) and cut to the
largest square around its centre, at most ``PHOTO_SIDE`` pixels, so that
every avatar shows the same shape without the browser cropping it.
"""

import hashlib
import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from community.models import User
from files.models import StoredFile
from files.services import files_attach
from files.signals import delete_blobs

PHOTO_SIDE = 512
THUMBNAIL_SIDE = 256
_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}


def _not_an_image() -> ValidationError:
    return ValidationError(
        {"photo": ValidationError(_("Das Foto muss ein Bild sein (PNG, JPEG, GIF, WebP)."))},
        code="not_an_image",
    )


def _square(image: Image.Image, side: int) -> Image.Image:
    width, height = image.size
    edge = min(width, height)
    left, top = (width - edge) // 2, (height - edge) // 2
    square = image.crop((left, top, left + edge, top + edge))
    if edge > side:
        square = square.resize((side, side), Image.Resampling.LANCZOS)
    return square


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _crop_to_square(file: StoredFile) -> None:
    """Replace the file's bytes (and preview) by the centre square; the old bytes go on commit."""
    fmt = _FORMATS[file.content_type]
    with file.blob.open("rb") as handle:
        image = Image.open(handle, formats=[fmt])
        image.load()  # the first frame of an animation: a photo does not move
    square = _square(image, PHOTO_SIDE)
    data = _encode(square, fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    preview = square.convert("RGBA" if "A" in square.getbands() or square.mode == "P" else "RGB")
    preview = preview.resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    thumbnail = _encode(preview, "WEBP", quality=80)
    old = [name for name in (file.blob.name, file.thumbnail.name if file.thumbnail else "") if name]
    file.blob.save(file.name, ContentFile(data), save=False)
    file.thumbnail.save(file.name, ContentFile(thumbnail), save=False)
    new = [file.blob.name, file.thumbnail.name]
    file.width = file.height = square.size[0]
    file.size = len(data)
    file.sha256 = hashlib.sha256(data).hexdigest()
    file.save(update_fields=["blob", "thumbnail", "width", "height", "size", "sha256"])
    # Committed: the uncropped bytes go. (Rolled back, the new ones stay behind unnamed:
    # storage is no transaction; the row still names the old ones, which remain.)
    transaction.on_commit(lambda: delete_blobs([n for n in old if n not in new]))


@transaction.atomic
def member_photo_set(*, member: User, photo) -> User:
    """Set (an uploaded image's id) or remove (None) the member's profile photo.

    The previous photo is deleted (files_attach replaces the member's files).
    An upload that is not an image is refused and stays the member's, unattached.
    """
    member = User.objects.select_for_update().get(pk=member.pk)
    if photo is None:
        files_attach(user=member, ids=[], target=member)
        member.photo = None
        member.save(update_fields=["photo"])
        return member
    try:
        key = photo if isinstance(photo, uuid.UUID) else uuid.UUID(str(photo))
    except (TypeError, ValueError, AttributeError):
        key = None
    candidate = StoredFile.objects.filter(pk=key, uploader=member).first() if key else None
    if candidate is not None and not candidate.is_image:
        raise _not_an_image()
    try:
        attached = files_attach(user=member, ids=[photo], target=member)
    except ValidationError as exc:
        raise ValidationError({"photo": exc.messages}, code="invalid_attachment") from None
    file = attached[0]
    if file.width and file.height and file.width != file.height:
        _crop_to_square(file)
    elif file.width and file.width > PHOTO_SIDE:
        _crop_to_square(file)  # square already, but far bigger than an avatar needs
    member.photo = file
    member.save(update_fields=["photo"])
    return member
