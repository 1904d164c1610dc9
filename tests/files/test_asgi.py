"""The ASGI wrapper: oversized bodies are refused before Django reads them; an
interrupted upload leaves nothing behind."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.core.asgi import get_asgi_application

from community import services as community_services
from files.asgi import BodyLimitMiddleware, body_limit
from files.models import StoredFile
from tests.files import samples
from tests.files.conftest import stored_blobs


class Client:
    """Drives the wrapped application with a body delivered in chunks, recording all."""

    def __init__(self, chunks, *, headers=(), disconnect_after=False):
        self.chunks = list(chunks)
        self.headers = list(headers)
        self.disconnect_after = disconnect_after
        self.received = 0
        self.sent = []

    async def receive(self):
        if self.chunks:
            chunk = self.chunks.pop(0)
            self.received += 1
            more = bool(self.chunks) or self.disconnect_after
            return {"type": "http.request", "body": chunk, "more_body": more}
        if not self.disconnect_after:
            await asyncio.Event().wait()  # the client stays until the answer is complete
        return {"type": "http.disconnect"}

    async def send(self, message):
        self.sent.append(message)

    async def post(self, path="/api/files/"):
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), *self.headers],
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
        }
        await BodyLimitMiddleware(get_asgi_application())(scope, self.receive, self.send)
        return self

    @property
    def status(self):
        starts = [m for m in self.sent if m["type"] == "http.response.start"]
        return starts[0]["status"] if starts else None

    @property
    def body(self):
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")


async def test_an_announced_oversize_is_answered_413_before_a_byte_is_read(settings):
    settings.FILES_MAX_BYTES = 1000
    client = await Client(
        [b"x" * 100], headers=[(b"content-length", str(body_limit() + 1).encode())]
    ).post()
    assert client.status == 413
    assert client.received == 0
    assert json.loads(client.body)["code"] == "too_large"


async def test_an_unannounced_body_is_cut_off_at_the_limit(settings):
    settings.FILES_MAX_BYTES = 1000
    chunk = b"x" * 16 * 1024
    client = await Client([chunk] * 50, headers=[(b"transfer-encoding", b"chunked")]).post()
    assert client.status == 413
    assert json.loads(client.body)["detail"]
    # Past the limit not one more chunk was asked for.
    assert client.received == body_limit() // len(chunk) + 1


async def test_a_body_within_the_limit_passes(settings):
    settings.FILES_MAX_BYTES = 1000
    client = await Client(
        [b"{}"], headers=[(b"content-type", b"application/json"), (b"content-length", b"2")]
    ).post("/api/schema/")
    assert client.status != 413


@pytest.mark.django_db(transaction=True)
async def test_an_interrupted_upload_leaves_nothing_behind(member):
    token = await sync_to_async(community_services.member_token)(member=member)
    body, content_type = samples.multipart("Plan.pdf", samples.pdf() * 20)
    client = await Client(
        [body[:1500], body[1500:3000]],
        headers=[
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Token {token}".encode()),
        ],
        disconnect_after=True,
    ).post()
    assert client.status is None  # nobody left to answer
    assert not await sync_to_async(StoredFile.objects.exists)()
    assert stored_blobs() == set()


@pytest.mark.django_db(transaction=True)
async def test_a_whole_upload_through_the_wrapper_is_stored(member):
    token = await sync_to_async(community_services.member_token)(member=member)
    body, content_type = samples.multipart("Plan.pdf", samples.pdf())
    client = await Client(
        [body[:500], body[500:]],
        headers=[
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Token {token}".encode()),
        ],
    ).post()
    assert client.status == 201, client.body
    assert await sync_to_async(StoredFile.objects.count)() == 1
