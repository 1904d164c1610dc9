"""FILES_STORAGE=s3 / FILES_DELIVERY=s3 against an S3 server: moto's ThreadedMotoServer.

Upload → the object lies in the bucket; download → 302 to a signed address that
serves the bytes with our name and type and expires; delete → the object is
gone. moto does not check the signature or the expiry of a signed address, so
a small WSGI layer in front of it does what S3 does: it refuses an expired or
tampered address with 403.
"""

import datetime
import hashlib
import hmac
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, quote, urlsplit

import boto3
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from files import services
from files.models import StoredFile
from tests.servers import free_port

pytestmark = pytest.mark.django_db

KEY_ID, SECRET, REGION, BUCKET = (
    "lotsennetz-test",
    "lotsennetz-test-secret",
    "eu-central-1",
    "dateien",
)
TEXT = b"Protokoll des Netzwerktreffens\nTOP 1: E-Akte\n" * 50


def _signing_key(date: str) -> bytes:
    key = ("AWS4" + SECRET).encode()
    for part in (date, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


class PresignedCheck:
    """What S3 does with a presigned GET (SigV4, query string) and moto does not."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        params = dict(query)
        if environ["REQUEST_METHOD"] == "GET" and "X-Amz-Signature" in params:
            reason = self.refusal(environ, query, params)
            if reason:
                start_response("403 Forbidden", [("Content-Type", "text/plain")])
                return [reason.encode()]
        return self.app(environ, start_response)

    def refusal(self, environ, query, params) -> str:
        signed_at = datetime.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.UTC
        )
        expires = datetime.timedelta(seconds=int(params["X-Amz-Expires"]))
        if datetime.datetime.now(datetime.UTC) > signed_at + expires:
            return "AccessDenied: Request has expired"
        canonical_query = "&".join(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
            for k, v in sorted(query)
            if k != "X-Amz-Signature"
        )
        canonical = "\n".join(
            [
                "GET",
                quote(environ.get("RAW_URI", environ["PATH_INFO"]).split("?")[0], safe="/-_.~%"),
                canonical_query,
                f"host:{environ['HTTP_HOST']}\n",
                params["X-Amz-SignedHeaders"],
                "UNSIGNED-PAYLOAD",
            ]
        )
        scope = params["X-Amz-Credential"].split("/", 1)[1]
        to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256",
                params["X-Amz-Date"],
                scope,
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )
        expected = hmac.new(
            _signing_key(params["X-Amz-Date"][:8]), to_sign.encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
            return "SignatureDoesNotMatch"
        return ""


@pytest.fixture(scope="module")
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    # The server object keeps its WSGI application in ._server.app (werkzeug);
    # the check goes in front of it.
    server._server.app = PresignedCheck(server._server.app)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        yield endpoint
    finally:
        server.stop()


@pytest.fixture
def s3(s3_server, settings):
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name=REGION,
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "access_key": KEY_ID,
                "secret_key": SECRET,
                "region_name": REGION,
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
                "querystring_expire": 60,
            },
        },
    }
    settings.FILES_STORAGE = "s3"
    settings.FILES_DELIVERY = "s3"
    settings.FILES_SIGNED_URL_SECONDS = 60
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for obj in objects:
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                (response.read()),
            )
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_upload_download_by_signed_address_and_delete_in_object_storage(
    s3, member_api, member, make_member, client, django_capture_on_commit_callbacks
):
    response = member_api.post(
        "/api/files/",
        {"file": SimpleUploadedFile("protokoll.txt", TEXT, content_type="text/plain")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    file = response.json()
    stored = StoredFile.objects.get(pk=file["id"])
    assert keys(s3) == [stored.blob.name]
    assert s3.get_object(Bucket=BUCKET, Key=stored.blob.name)["Body"].read() == TEXT

    client.force_login(member)
    redirect = client.get(file["url"])
    assert redirect.status_code == 302
    assert redirect["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in redirect["Cache-Control"]
    signed = redirect["Location"]
    assert signed.startswith(settings.STORAGES["files"]["OPTIONS"]["endpoint_url"] + "/")
    params = dict(parse_qsl(urlsplit(signed).query))
    assert params["X-Amz-Expires"] == "60"
    assert "protokoll" not in urlsplit(signed).path  # the key is the id, not the name

    status, headers, body = fetch(signed)
    assert status == 200
    assert body == TEXT
    assert headers["content-type"].startswith("text/plain")
    assert headers["content-disposition"].startswith("attachment")
    assert "protokoll.txt" in headers["content-disposition"]

    # A changed address (another response type) is refused: the signature covers it.
    tampered = signed.replace(
        "response-content-type=text%2Fplain", "response-content-type=text%2Fhtml"
    )
    assert tampered != signed
    assert fetch(tampered)[::2] == (403, b"SignatureDoesNotMatch")

    # A member of another municipality gets 404, never an address.
    client.force_login(make_member())
    assert client.get(file["url"]).status_code == 404
    client.force_login(member)

    with django_capture_on_commit_callbacks(execute=True):
        member_api.delete(f"/api/files/{file['id']}/")
    assert not StoredFile.objects.filter(pk=file["id"]).exists()
    assert keys(s3) == []
    assert client.get(file["url"]).status_code == 404


def test_a_signed_address_expires(s3, member, client, settings):
    settings.FILES_SIGNED_URL_SECONDS = 1
    stored = services.file_upload(
        uploader=member, upload=SimpleUploadedFile("notiz.txt", TEXT, content_type="text/plain")
    )
    client.force_login(member)
    signed = client.get(f"/dateien/{stored.pk}/notiz.txt")["Location"]
    assert dict(parse_qsl(urlsplit(signed).query))["X-Amz-Expires"] == "1"
    assert fetch(signed)[0] == 200
    signed_at = datetime.datetime.strptime(
        dict(parse_qsl(urlsplit(signed).query))["X-Amz-Date"], "%Y%m%dT%H%M%SZ"
    ).replace(tzinfo=datetime.UTC)
    wait = signed_at + datetime.timedelta(seconds=2.05) - datetime.datetime.now(datetime.UTC)
    time.sleep(max(wait.total_seconds(), 0))
    status, _headers, body = fetch(signed)
    assert status == 403
    assert b"expired" in body
