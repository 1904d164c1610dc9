"""Downloads with FILES_DELIVERY=nginx through a real nginx in front of a real daphne.

The site is docs/deploy/nginx.conf itself (tests/servers.py points it at this
machine): Django checks access and answers with X-Accel-Redirect, nginx sends
the bytes from its internal location /_dateien/ with the protective headers.
"""

import http.client
import os
import ssl

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from files import services
from files.asgi import body_limit
from tests.servers import (
    NGINX_SITE,
    daphne,
    deploy_site,
    free_port,
    nginx,
    nginx_binary,
    nginx_main_config,
)

BODY = b"Protokoll des Netzwerktreffens\nTOP 1: E-Akte im Bauamt\n" * 200


@pytest.fixture
def site(tmp_path):
    """nginx (HTTPS, deploy config) → daphne (FILES_DELIVERY=nginx); yields a request function."""
    if not nginx_binary():
        if os.environ.get("CI"):
            pytest.fail("nginx is required under CI (apt-get install nginx-light)")
        pytest.skip("nginx missing (apt-get install nginx-light); allowed outside CI only")
    port = free_port()
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    static_root = tmp_path / "static"
    static_root.mkdir()

    def fetch(path: str, cookie: str = "") -> tuple[int, dict, bytes]:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=context)
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    with daphne(FILES_DELIVERY="nginx") as address:
        config = nginx_main_config(
            tmp_path,
            deploy_site(
                tmp_path,
                daphne_address=address,
                port=port,
                files_root=settings.FILES_ROOT,
                static_root=static_root,
            ),
        )
        with nginx(config, port):
            yield fetch


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.mark.django_db(transaction=True)
def test_nginx_sends_the_file_after_django_checked_access(site, member, make_member):
    stored = services.file_upload(
        uploader=member, upload=SimpleUploadedFile("protokoll.txt", BODY, "text/plain")
    )
    url = f"/dateien/{stored.pk}/protokoll.txt"

    status, headers, body = site(url, session_cookie(member))
    assert status == 200
    assert body == BODY
    assert headers["content-length"] == str(len(BODY))
    assert headers["content-type"].startswith("text/plain")
    assert headers["content-disposition"].startswith("attachment")
    assert "protokoll.txt" in headers["content-disposition"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "sandbox"
    assert headers["cache-control"].startswith("private")
    assert "x-accel-redirect" not in headers

    # A member of another municipality: 404, as for a file that does not exist.
    stranger = make_member()
    status, _headers, body = site(url, session_cookie(stranger))
    assert status == 404
    assert BODY not in body
    missing = url.replace(str(stored.pk)[:8], "00000000")
    assert site(missing, session_cookie(member))[0] == 404

    # Without a session: no bytes either (the sign-in page or 404).
    status, _headers, body = site(url)
    assert status in {302, 404}
    assert BODY not in body

    # nginx's internal location cannot be reached from outside.
    status, _headers, body = site(f"/_dateien/{stored.blob.name}", session_cookie(member))
    assert status == 404
    assert BODY not in body


def test_nginx_lets_every_upload_up_to_the_limit_through_to_django():
    """Between FILES_MAX_BYTES and nginx's limit, Django answers 413 with a JSON reason."""
    (line,) = [
        line for line in NGINX_SITE.read_text().splitlines() if "client_max_body_size" in line
    ]
    megabytes = int(line.split()[1].removesuffix(";").removesuffix("m"))
    assert megabytes * 1024 * 1024 >= body_limit() > settings.FILES_MAX_BYTES
