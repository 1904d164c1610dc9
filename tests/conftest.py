"""Shared fixtures. Test data is built through the services, as the app builds it."""

import gc
import os
import time

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from community import services
from community.models import Role
from tests import clamav

PASSWORD = "Lotsen-Passwort-2026"

# Channels' test communicators wait one second by default. On a loaded two-core
# CI machine a socket handshake that reads the database can take longer, and a
# communicator that times out cancels the whole application mid-read: redis-py
# can swallow that cancellation inside a blocking BZPOPMIN, and the test (or the
# event loop's teardown) then waits forever. Tests that mean a short wait pass
# their own timeout; only the library default is stretched.
COMMUNICATOR_DEFAULT_TIMEOUT = 1
COMMUNICATOR_PATIENT_TIMEOUT = 15


def _patient_communicators() -> None:
    from channels.testing.application import ApplicationCommunicator

    receive_output, wait = ApplicationCommunicator.receive_output, ApplicationCommunicator.wait

    async def patient_receive_output(self, timeout=COMMUNICATOR_DEFAULT_TIMEOUT):
        if timeout == COMMUNICATOR_DEFAULT_TIMEOUT:
            timeout = COMMUNICATOR_PATIENT_TIMEOUT
        return await receive_output(self, timeout)

    async def patient_wait(self, timeout=COMMUNICATOR_DEFAULT_TIMEOUT):
        if timeout == COMMUNICATOR_DEFAULT_TIMEOUT:
            timeout = COMMUNICATOR_PATIENT_TIMEOUT
        return await wait(self, timeout)

    ApplicationCommunicator.receive_output = patient_receive_output
    ApplicationCommunicator.wait = patient_wait


_patient_communicators()


def running_in_ci() -> bool:
    return bool(os.environ.get("CI"))


def require_service(name: str, configured: bool) -> None:
    """Skip a test that needs PostgreSQL/Redis only outside CI; under CI fail instead."""
    if configured:
        return
    if running_in_ci():
        pytest.fail(f"{name} is required under CI but not configured")
    pytest.skip(f"{name} not configured (set {name.upper()}_URL); allowed outside CI only")


@pytest.fixture(scope="session")
def clamav_socket():
    """A running clamd that knows EICAR (tests/clamav.py): CLAMAV_SOCKET as .ci/run
    exports it, else one started for this session; skips without clamd outside CI only."""
    configured = os.environ.get("CLAMAV_SOCKET")
    if configured:
        if not clamav.ping(configured):
            pytest.fail(f"CLAMAV_SOCKET={configured} does not answer PING")
        yield configured
        return
    if not clamav.clamd_binary():
        if running_in_ci():
            pytest.fail("clamd is required under CI (apt-get install clamav-daemon)")
        pytest.skip("clamd missing (apt-get install clamav-daemon); allowed outside CI only")
    with clamav.running_clamd() as path:
        yield path


@pytest.fixture
def needs_redis():
    require_service("redis", bool(settings.REDIS_URL))


@pytest.fixture
def needs_postgres():
    require_service("database", settings.DATABASES["default"]["ENGINE"].endswith("postgresql"))


def clear_cache() -> None:
    """Forget throttling counters; on Redis only this suite's keys, never FLUSHDB."""
    backend = caches["default"]
    if type(backend).__name__ == "RedisCache":
        client = backend._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
        if keys:
            client.delete(*keys)
    else:
        backend.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: one that switched to English
    (a view under ``translation.override`` is fine; ``activate`` is not undone)
    must not leave later tests' texts in English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def taxonomy(db):
    """The expertise taxonomy a data migration loads; transactional tests flush it away."""
    from community.models import Expertise
    from community.taxonomy import EXPERTISE_TAXONOMY

    for position, (slug, name, description) in enumerate(EXPERTISE_TAXONOMY):
        Expertise.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
    return Expertise.objects.all()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def make_municipality(db):
    counter = {"n": 0}

    def make(name=None, state="HE", domains=None, **kwargs):
        counter["n"] += 1
        name = name or f"Musterstadt {counter['n']}"
        if domains is None:
            domains = [f"musterstadt{counter['n']}.de"]
        return services.municipality_create(name=name, state=state, email_domains=domains, **kwargs)

    return make


@pytest.fixture
def make_member(db, make_municipality):
    counter = {"n": 0}

    def make(*, municipality=None, role=Role.MEMBER, display_name=None, email=None, **kwargs):
        counter["n"] += 1
        municipality = municipality or make_municipality()
        return services.member_create(
            email=email or f"mitglied{counter['n']}@{municipality.slug}.example",
            display_name=display_name or f"Mitglied {counter['n']}",
            municipality=municipality,
            role=role,
            password=kwargs.pop("password", PASSWORD),
            **kwargs,
        )

    return make


@pytest.fixture
def municipality(make_municipality):
    return make_municipality(name="Wetzlar", domains=["wetzlar.de"], population=53000)


@pytest.fixture
def member(make_member, municipality):
    return make_member(
        municipality=municipality, display_name="Anna Schmidt", email="anna.schmidt@wetzlar.de"
    )


@pytest.fixture
def coordinator(make_member, municipality):
    return make_member(municipality=municipality, role=Role.COORDINATOR, display_name="Jonas Weber")


@pytest.fixture
def moderator(make_member):
    return make_member(role=Role.MODERATOR, display_name="Mara Moderation")


@pytest.fixture
def admin_member(make_member):
    return make_member(role=Role.ADMIN, display_name="Ada Admin")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def member_api(api_client, member):
    api_client.force_authenticate(member)
    return api_client


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A new channel layer for every test.

    Each async test runs in an event loop of its own, but Channels keeps one
    layer per process, and channels_redis binds its receive lock to the loop
    that first received: a later test would wait on a dead loop's lock forever.
    """
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


# --- PostgreSQL sessions at the end of the run ---------------------------------------
def wait_for_other_sessions_to_end(timeout: float = 10) -> None:
    """PostgreSQL ends a closed connection's session a moment later; the test
    database can only be dropped (or flushed quickly) once it has."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


@pytest.fixture(scope="session", autouse=True)
def _sessions_end_before_the_test_database_is_dropped(django_db_setup, django_db_blocker):
    """Sockets' worker threads close their connections as the last test ends."""
    yield
    gc.collect()  # connections left in finished worker threads close when collected
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            # The pool's idle connections are sessions too, and a worker thread
            # of a finished event loop may still hold one: close the pool (a
            # connection still lent out closes when it comes back) and take a
            # fresh one for the checks below.
            connection.close()
            connection.close_pool()
        wait_for_other_sessions_to_end(timeout=3)
        if connection.vendor == "postgresql":
            # Whatever is still idle on this run's own test database goes now.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connection.close()


@pytest.fixture
def bell_open():
    """``bell_open(member, …)``: these members count as having a bell socket open
    (as ``notifications.online`` counts a socket), until the test ends."""
    from asgiref.sync import async_to_sync

    from notifications import online

    opened = []

    def open_(*members):
        for member in members:
            async_to_sync(online.store().add)(member.pk)
            opened.append(member.pk)

    yield open_
    for pk in opened:
        async_to_sync(online.store().remove)(pk)
        if isinstance(online.store(), online.RedisOnline):
            online.store().sync_client.zrem(online.store().key, pk)


@pytest.fixture(autouse=True)
def _notification_work_inline(request, monkeypatch):
    """The bell's work after the commit, as tests see it.

    Jobs of the outbox (notifications.jobs: a forum reply's watchers, immediate
    mails, Web Push) run where they are written, inside the service's
    transaction, so a test sees the entries right after the service call; what
    they send still waits for the commit (``django_capture_on_commit_callbacks``).
    ``jobs_after_commit`` and ``jobs_left`` below change that. The pool's other
    work (notifications.background) runs in threads that cannot see a test's
    transaction: outside transactional tests it runs in the test's thread, when
    submitted."""
    from notifications import background, jobs

    monkeypatch.setattr(jobs, "RUN_AT_ONCE", True)
    monkeypatch.setattr(jobs, "_last_sweep", float("inf"))  # no sweep unless a test asks
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        monkeypatch.setattr(background, "submit", lambda function, *args: function(*args))
    yield
    if marker is not None and marker.kwargs.get("transaction"):
        background.wait()


@pytest.fixture
def jobs_after_commit(monkeypatch):
    """Jobs run as in production: written with the content, run by the pool after
    the commit (in the test's thread outside transactional tests)."""
    from notifications import jobs

    monkeypatch.setattr(jobs, "RUN_AT_ONCE", False)


@pytest.fixture
def jobs_left(monkeypatch):
    """The process dies right after the commit: jobs are written but the pool never
    runs them; only the sweeper (``jobs.jobs_run_due``, ``run_notification_jobs``) does."""
    from notifications import jobs

    monkeypatch.setattr(jobs, "RUN_AT_ONCE", False)
    monkeypatch.setattr(jobs, "_after_commit", lambda pk: None)


@pytest.fixture(autouse=True)
def _live_chat_count_rounds(request, monkeypatch):
    """The live chat count's rounds (chat.unread_live) run in a thread of their own,
    which cannot see a test's transaction: outside transactional tests they are
    left out (tests/chat/test_unread_live.py runs them in the test's thread)."""
    from chat import unread_live

    unread_live._discard()  # nothing left over from a test whose loop is gone
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        monkeypatch.setattr(unread_live, "_start", unread_live._discard)
