"""Notifications are made through the service, as forum, chat and events make them."""

import pytest
from django.core.management import call_command

from notifications import push, services
from tests.notifications.pushservice import push_service

SUBJECT = "mailto:betrieb@lotsennetz.example"


@pytest.fixture
def other(make_member):
    return make_member(display_name="Olaf Otto")


@pytest.fixture
def notify(other):
    """A notification for ``recipient`` by ``other`` (one thread per ``thread``)."""

    def make(recipient, *, text="Olaf Otto hat geantwortet", thread="Erstes Thema", **kwargs):
        return services.notification_create(
            recipient=recipient,
            actor=kwargs.pop("actor", other),
            kind=kwargs.pop("kind", "forum.reply"),
            text=text,
            url=kwargs.pop("url", "/forum/beitrag/1/"),
            thread_key=f"test.{thread}" if thread else "",
            thread_title=thread,
            **kwargs,
        )

    return make


# --- Web Push (test_push.py, test_push_change.py) ---------------------------------------
@pytest.fixture
def vapid(settings):
    """The operator's key pair, made as the docs say (manage.py vapid_keys)."""
    from io import StringIO

    out = StringIO()
    call_command("vapid_keys", subject=SUBJECT, stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().split())
    settings.VAPID_PUBLIC_KEY = lines["VAPID_PUBLIC_KEY"]
    settings.VAPID_PRIVATE_KEY = lines["VAPID_PRIVATE_KEY"]
    settings.VAPID_SUBJECT = lines["VAPID_SUBJECT"]
    settings.PUSH_TIMEOUT_SECONDS = 5
    return lines


@pytest.fixture
def service(monkeypatch):
    with push_service() as running:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", running.ca_file)
        yield running


@pytest.fixture
def inline(monkeypatch):
    """Pushes run in the test's thread (the pool's threads would not see its transaction)."""
    monkeypatch.setattr(push, "_submit", lambda function, *args: function(*args))
