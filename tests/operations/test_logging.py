"""Structured logging: one JSON object per line with the request id and the member's id."""

import io
import json
import logging

import pytest
from django.urls import reverse

from core.observability import REQUEST_ID_HEADER, JsonFormatter, RequestContextFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """The production handler's formatter and filter, on a buffer, for the whole tree."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


def test_every_response_carries_a_request_id(client):
    response = client.get(reverse("login"))
    request_id = response[REQUEST_ID_HEADER]
    assert len(request_id) == 32
    assert client.get(reverse("login"))[REQUEST_ID_HEADER] != request_id


def test_a_sane_request_id_from_nginx_is_kept_and_a_bad_one_replaced(client):
    kept = client.get(reverse("login"), headers={"X-Request-ID": "0a1b2c3d4e5f6a7b8c9d"})
    assert kept[REQUEST_ID_HEADER] == "0a1b2c3d4e5f6a7b8c9d"
    replaced = client.get(reverse("login"), headers={"X-Request-ID": "<script>\n"})
    assert replaced[REQUEST_ID_HEADER] != "<script>\n"
    assert len(replaced[REQUEST_ID_HEADER]) == 32


def test_log_lines_of_a_request_are_json_with_request_and_member_id(client, member, json_log):
    client.force_login(member)
    response = client.get("/menschen/niemand-hier/")
    assert response.status_code == 404
    lines = [entry for entry in json_log() if entry["logger"] == "django.request"]
    assert lines, json_log()
    entry = lines[-1]
    assert entry["level"] == "WARNING"
    assert entry["message"].startswith("Not Found: /menschen/niemand-hier/")
    assert entry["request_id"] == response[REQUEST_ID_HEADER]
    assert entry["user_id"] == member.pk
    assert entry["timestamp"].endswith("+00:00")
    assert member.email not in json.dumps(entry)


def test_log_lines_outside_requests_have_no_request_id(json_log):
    logging.getLogger("lotsennetz.test").warning("cron ran", extra={"count": 3})
    (entry,) = [e for e in json_log() if e["logger"] == "lotsennetz.test"]
    assert entry == {
        "timestamp": entry["timestamp"],
        "level": "WARNING",
        "logger": "lotsennetz.test",
        "message": "cron ran",
        "request_id": None,
        "user_id": None,
        "count": 3,
    }


def test_exceptions_are_logged_on_one_line(json_log):
    try:
        raise ValueError("kaputt")
    except ValueError:
        logging.getLogger("lotsennetz.test").exception("failed")
    (entry,) = [e for e in json_log() if e["logger"] == "lotsennetz.test"]
    assert "ValueError: kaputt" in entry["exception"]


def test_log_format_is_chosen_by_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    from django.conf import settings

    script = (
        "import django, logging; django.setup(); logging.getLogger('lotsennetz').warning('hallo')"
    )
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "y" * 60}
    base.pop("DATABASE_URL", None)
    base.pop("REDIS_URL", None)
    base["LOTSENNETZ_VAR_DIR"] = str(tmp_path)
    outputs = {}
    for fmt in ("json", "text"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=settings.BASE_DIR,
            env={**base, "LOG_FORMAT": fmt},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        outputs[fmt] = result.stderr.strip().splitlines()[-1]
    assert json.loads(outputs["json"])["message"] == "hallo"
    assert outputs["text"].endswith("WARNING lotsennetz [None] hallo")
    wrong = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**base, "LOG_FORMAT": "xml"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode != 0
    assert "LOG_FORMAT" in wrong.stderr
