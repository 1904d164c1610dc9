"""Images decoded and encoded again with Pillow: no metadata survives, a thumbnail is made once.

Re-encoding drops EXIF (camera, GPS position), XMP, IPTC, comments and colour
profiles; the orientation EXIF asked for is applied to the pixels first. The
pixel count is checked from the header before any pixel is decoded, so a
small file that claims a gigantic picture is refused without the memory for it.
"""

import io
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

THUMBNAIL_BOX = (480, 480)
MAX_FRAMES = 200
_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
# Formats whose animation is kept; a JPEG's further pictures (MPO: depth maps,
# previews of phones) are dropped with the rest of its metadata.
_ANIMATED = {"image/png", "image/gif", "image/webp"}

# Never decode what is not all there (Pillow's default, stated because it matters).
ImageFile.LOAD_TRUNCATED_IMAGES = False


class TooManyPixels(Exception):
    pass


class Damaged(Exception):
    pass


@dataclass
class Processed:
    data: bytes
    thumbnail: bytes
    width: int
    height: int


def _check_pixels(image: Image.Image) -> None:
    frames = getattr(image, "n_frames", 1)
    width, height = image.size
    if (
        width * height > settings.FILES_MAX_IMAGE_PIXELS
        or frames > MAX_FRAMES
        or width * height * frames > settings.FILES_MAX_IMAGE_PIXELS
    ):
        raise TooManyPixels


def _open(path: str, content_type: str) -> Image.Image:
    try:
        image = Image.open(path, formats=[_FORMATS[content_type]])
    except Image.DecompressionBombError as error:
        raise TooManyPixels from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise Damaged from error
    _check_pixels(image)
    return image


def _without_metadata(image: Image.Image) -> Image.Image:
    """A new image of the pixels only (mode kept where the format can store it)."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    clean = Image.new(image.mode, image.size)
    if image.mode == "P":
        clean.putpalette(image.getpalette() or [])
        if "transparency" in image.info:
            clean.info["transparency"] = image.info["transparency"]
    clean.paste(image)
    return clean


def _encode(frames: list[Image.Image], content_type: str, durations, loop) -> bytes:
    out = io.BytesIO()
    first = frames[0]
    fmt = _FORMATS[content_type]
    options: dict = {}
    if fmt == "JPEG":
        if first.mode not in ("RGB", "L"):
            first = first.convert("RGB")
        options = {"quality": 90, "optimize": True}
    elif fmt == "PNG":
        options = {"optimize": True}
    elif fmt == "WEBP":
        options = {"quality": 90}
    if len(frames) > 1:
        options.update(save_all=True, append_images=frames[1:], duration=durations, loop=loop)
    elif fmt == "GIF" and "transparency" in first.info:
        options["transparency"] = first.info["transparency"]
    first.save(out, format=fmt, **options)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    preview = image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
    preview.thumbnail(THUMBNAIL_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    preview.save(out, format="WEBP", quality=80)
    return out.getvalue()


def process(path: str, content_type: str) -> Processed:
    """Decode fully, re-encode without metadata, make the thumbnail.

    Raises ``TooManyPixels`` (a decompression bomb) or ``Damaged`` (truncated,
    undecodable).
    """
    image = _open(path, content_type)
    try:
        frames, durations = [], []
        count = getattr(image, "n_frames", 1) if content_type in _ANIMATED else 1
        for index in range(count):
            image.seek(index)
            image.load()
            frames.append(_without_metadata(image))
            durations.append(image.info.get("duration", 100))
        loop = image.info.get("loop", 0)
        data = _encode(frames, content_type, durations, loop)
        thumbnail = _thumbnail(frames[0])
    except Image.DecompressionBombError as error:
        raise TooManyPixels from error
    except Exception as error:  # decoders raise all kinds on crafted input
        raise Damaged from error
    finally:
        image.close()
    width, height = frames[0].size
    return Processed(data=data, thumbnail=thumbnail, width=width, height=height)
