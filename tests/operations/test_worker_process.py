"""How a daphne worker process is set up: its connection pool and its heap."""

import gc
import http.client
import json
import os
import tempfile
import weakref

import pytest
from daphne.server import Server

from config import runtime
from tests.servers import daphne, run_python


def run_settings(script: str, **env_vars: str | None):
    unset = {k: None for k in os.environ if k.startswith(("DATABASE_", "DB_"))}
    setup = "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
    return run_python(setup + script, **{**unset, "DEBUG": "1", **env_vars})


POOL = (
    "from django.conf import settings as s; d = s.DATABASES['default']; "
    "print(d.get('CONN_MAX_AGE', 0), d.get('OPTIONS', {}).get('pool'))"
)


PG = "postgres://u@127.0.0.1:5432/db"


@pytest.mark.parametrize(
    ("env_vars", "expected"),
    [
        pytest.param({}, "0 {'min_size': 2, 'max_size': 20, 'timeout': 10}", id="by-default"),
        pytest.param(
            {"DB_POOL_MAX_SIZE": "5", "DB_POOL_TIMEOUT": "3"},
            "0 {'min_size': 2, 'max_size': 5, 'timeout': 3}",
            id="sized-by-the-environment",
        ),
        pytest.param(
            {"DB_POOL_MAX_SIZE": "0", "DB_CONN_MAX_AGE": "60"},
            "60 None",
            id="off-then-connections-may-persist-per-thread",
        ),
    ],
)
def test_a_postgresql_worker_borrows_connections_from_a_pool(env_vars, expected):
    result = run_settings(POOL, DATABASE_URL=PG, **env_vars)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_a_pool_together_with_persistent_connections_is_refused_clearly():
    result = run_settings(POOL, DATABASE_URL=PG, DB_CONN_MAX_AGE="60")
    assert result.returncode != 0
    assert "DB_CONN_MAX_AGE and the connection pool exclude each other" in result.stderr


def test_the_embedded_sqlite_database_has_no_pool():
    result = run_settings(POOL)
    assert result.stdout.strip() == "0 None"


def test_a_worker_moves_its_startup_heap_out_of_the_collectors_sight():
    """Full collections over Django's startup objects stalled every request and
    socket of a worker for 50-180 ms (docs/performance.md)."""
    result = run_settings(
        "import gc, config.asgi; print(gc.get_freeze_count(), *gc.get_threshold())"
    )
    assert result.returncode == 0, result.stderr
    frozen, *thresholds = map(int, result.stdout.split())
    assert frozen > 50_000
    assert tuple(thresholds) == runtime.GC_THRESHOLDS


class Node:
    """Something with a reference cycle, as Django's querysets and forms make."""


def test_settling_the_heap_leaves_later_objects_to_the_collector():
    before = gc.get_threshold()
    try:
        runtime.settle_heap()
        node = Node()
        node.itself = node  # a cycle made after the freeze
        collected = weakref.ref(node)
        del node
        gc.collect()
        assert collected() is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


@pytest.mark.django_db(transaction=True)
def test_a_worker_leaves_multipart_bodies_to_django_not_to_twisted():
    """Twisted would parse a multipart POST into memory first (+205 MiB for 25 MB,
    docs/performance.md) and answer a body it cannot parse with a bare 400."""
    body = b"kein Teil, keine Grenze " * 10_000
    with daphne() as address:
        host, port = address.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request(
            "POST",
            "/api/files/",
            body=body,
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        )
        response = conn.getresponse()
        answer = response.read()
        conn.close()
    # Django answers (the request is not signed in), with a JSON reason.
    assert response.status in {401, 403}, (response.status, answer[:200])
    assert response.getheader("Content-Type", "").startswith("application/json")
    assert json.loads(answer)["detail"]


async def test_a_request_body_on_disk_waits_there_until_the_application_reads_it():
    """daphne queues a whole body at once (django/daphne#483); the queue keeps
    only where each piece lies in Twisted's temporary file."""
    content = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, as Twisted would)
    data = os.urandom(300_000)
    content.write(data)
    content.seek(0)
    queue = runtime._BodyFromDisk(content)
    while chunk := content.read(8192):
        queue.put_nowait({"type": "http.request", "body": chunk, "more_body": True})
    queue.put_nowait({"type": "http.request", "body": b"", "more_body": False})
    content.close()  # Twisted may close its file; the queue reads through its own descriptor
    assert all(item["body"] is None for item in list(queue._queue)[:-1])
    received = []
    while True:
        message = await queue.get()
        received.append(message["body"])
        if not message["more_body"]:
            break
    assert b"".join(received) == data


def test_request_bodies_stay_daphnes_own_on_a_daphne_the_replacement_was_not_written_for(
    monkeypatch, caplog
):
    """The replaced method follows daphne 4.2; on another series daphne's own one stays."""
    original = Server.create_application
    monkeypatch.setattr(Server, "create_application", original)
    monkeypatch.setattr(runtime.daphne, "__version__", "4.3.0")
    with caplog.at_level("WARNING", logger="config.runtime"):
        runtime.feed_request_bodies_from_disk()
    assert Server.create_application is original
    assert "4.3.0" in caplog.text
    monkeypatch.setattr(runtime.daphne, "__version__", "4.2.3")
    runtime.feed_request_bodies_from_disk()
    assert Server.create_application is runtime._create_application


def test_autobahns_option_dump_of_each_websocket_is_formatted_only_when_logged():
    import pprint

    from autobahn.websocket import protocol

    import config.asgi  # noqa: F401  (applies the worker's tuning)

    options = [("autoPingTimeout", 30, "Factory"), ("openHandshakeTimeout", 30, "Factory")]
    dump = protocol.pformat(options)
    assert not isinstance(dump, str)  # nothing formatted while no one logs it
    assert str(dump) == f"{dump}" == pprint.pformat(options)
    timings = protocol.Timings()
    timings.track("open")
    assert str(timings).startswith("{'open'")


def test_autobahns_option_dump_stays_as_it_was_on_a_series_not_read(monkeypatch, caplog):
    import autobahn
    from autobahn.websocket import protocol

    from config import runtime

    original = protocol.pformat
    monkeypatch.setattr(protocol, "pformat", original)
    monkeypatch.setattr(autobahn, "__version__", "99.1.0")
    runtime.format_websocket_options_lazily()
    assert protocol.pformat is original
    assert "autobahn 99.1.0 is not 26.x" in caplog.text


def test_autobahns_debug_line_of_every_frame_sent_is_coloured_only_when_logged():
    from autobahn import util
    from autobahn.websocket import protocol

    from config import runtime

    runtime.format_websocket_options_lazily()
    runtime.format_websocket_options_lazily()  # twice, as a test run or a bench may
    name = protocol.hltype(protocol.WebSocketProtocol.sendData)
    size = protocol.hlval(123)
    assert not isinstance(name, str) and not isinstance(size, str)
    assert str(name) == util.hltype(protocol.WebSocketProtocol.sendData)
    assert f"{size}" == util.hlval(123)
    assert str(protocol.hlval("x", color="red")) == util.hlval("x", color="red")
    assert str(protocol.hlval("x", "red", False)) == util.hlval("x", "red", False)
