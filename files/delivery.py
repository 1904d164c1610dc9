"""How a file's bytes reach the browser after the access check (``FILES_DELIVERY``).

- ``django``: the worker streams the file from the storage in chunks
  (never the whole file in memory);
- ``nginx``: an empty answer with ``X-Accel-Redirect: /_dateien/<storage path>``;
  nginx sends the bytes from its internal location (docs/deploy/nginx.conf);
- ``s3``: a redirect to a signed address of the object storage, valid
  ``FILES_SIGNED_URL_SECONDS``, which makes the storage answer with our
  Content-Type and Content-Disposition.

Every answer carries ``X-Content-Type-Options: nosniff``, ``Content-Security-Policy:
sandbox`` and ``Cache-Control: private``; only PNG, JPEG, GIF and WebP images are
shown inline, everything else is a download (``Content-Disposition: attachment``).
"""

from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from files.models import INLINE_TYPES, StoredFile
from files.storage import files_storage

NGINX_PREFIX = "/_dateien/"


class ChunkedFileResponse(FileResponse):
    """A FileResponse that daphne sends chunk by chunk.

    Under ASGI Django consumes a synchronous streaming response with
    ``sync_to_async(list)``, i.e. reads the whole file into memory first. Here
    each chunk is read in a worker thread when the previous one has been sent.
    """

    block_size = 256 * 1024

    async def __aiter__(self):
        chunks = iter(self.streaming_content)
        while (
            chunk := await sync_to_async(next, thread_sensitive=False)(chunks, None)
        ) is not None:
            yield chunk


def _disposition(content_type: str, name: str) -> str:
    return content_disposition_header(content_type not in INLINE_TYPES, name)


def _secure(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def deliver(blob_name: str, *, content_type: str, name: str, size: int | None) -> HttpResponse:
    disposition = _disposition(content_type, name)
    mode = settings.FILES_DELIVERY
    if mode == "nginx":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = NGINX_PREFIX + quote(blob_name)
        response["Content-Disposition"] = disposition
    elif mode == "s3":
        url = files_storage.url(
            blob_name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
                "ResponseCacheControl": "private",
            },
            expire=settings.FILES_SIGNED_URL_SECONDS,
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        response["Referrer-Policy"] = "no-referrer"
        return response
    else:
        response = ChunkedFileResponse(
            files_storage.open(blob_name, "rb"), content_type=content_type
        )
        response["Content-Disposition"] = disposition
        if size is not None:
            response["Content-Length"] = str(size)
    return _secure(response)


def deliver_file(file: StoredFile) -> HttpResponse:
    return deliver(file.blob.name, content_type=file.content_type, name=file.name, size=file.size)


def deliver_thumbnail(file: StoredFile) -> HttpResponse:
    stem = file.name.rsplit(".", 1)[0] if "." in file.name else file.name
    return deliver(
        file.thumbnail.name, content_type="image/webp", name=f"{stem}-vorschau.webp", size=None
    )
