"""Upload and download through a real daphne process (config.asgi with the body limit)."""

import http.client
import json

import pytest

from community import services as community_services
from tests.files import samples
from tests.servers import daphne

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _request(address, method, path, *, token, body=b"", headers=None):
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(
            method, path, body=body, headers={"Authorization": f"Token {token}", **(headers or {})}
        )
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_a_file_goes_up_and_comes_down_through_daphne_and_an_oversize_gets_413(member):
    token = community_services.member_token(member=member)
    data = b"Kommune;Einwohner\n" + b"Wetzlar;53000\n" * 200_000  # ~2.8 MB
    body, content_type = samples.multipart("Liste.csv", data)
    with daphne(FILES_MAX_BYTES=str(4 * 1024 * 1024)) as address:
        status, _headers, answer = _request(
            address,
            "POST",
            "/api/files/",
            token=token,
            body=body,
            headers={"Content-Type": content_type},
        )
        assert status == 201, answer
        file = json.loads(answer)
        status, headers, download = _request(address, "GET", file["url"], token=token)
        assert status == 200
        assert download == data
        assert headers["Content-Disposition"].startswith("attachment")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"] == "sandbox"

        big, content_type = samples.multipart("Gross.csv", b"x;y\n" * (1024 * 1024 + 100_000))
        status, _headers, answer = _request(
            address,
            "POST",
            "/api/files/",
            token=token,
            body=big,
            headers={"Content-Type": content_type},
        )
        assert status == 413
        assert json.loads(answer)["code"] == "too_large"
