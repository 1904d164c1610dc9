"""A reply's request ends after the upsert and the open bells; Web Push and the
immediate mails follow in notifications.background, reading only what they need (issue 20)."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import EmailFrequency
from notifications import background, push, services
from notifications.models import Notification
from tests.notifications.pushservice import BrowserKeys
from tests.notifications.replies import notify_reply

pytestmark = pytest.mark.django_db


class Jobs(list):
    def run(self):
        while self:
            function, args = self.pop(0)
            function(*args)


@pytest.fixture
def later_jobs(monkeypatch):
    """The background jobs, held back until the test runs them."""
    jobs = Jobs()
    monkeypatch.setattr(background, "submit", lambda function, *args: jobs.append((function, args)))
    return jobs


def _device(member, service, name):
    keys = BrowserKeys()
    push.push_subscription_save(
        member=member, endpoint=service.endpoint(name), p256dh=keys.p256dh, auth=keys.auth
    )
    return keys


def test_the_request_reads_no_entry_of_watchers_without_an_open_bell(
    make_member, other, later_jobs, django_capture_on_commit_callbacks
):
    watchers = [make_member() for _ in range(12)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_reply(watchers, other)
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    assert queries.captured_queries == []  # no open bell: nothing to read or count
    assert later_jobs  # mails and Web Push: jobs for the background


def test_a_watcher_with_a_device_gets_the_push_from_the_background(
    make_member, other, service, vapid, later_jobs, django_capture_on_commit_callbacks
):
    watchers = [make_member() for _ in range(6)]
    keys = _device(watchers[2], service, "geraet-2")
    with django_capture_on_commit_callbacks(execute=True):
        notify_reply(watchers, other)
    assert service.received == []  # not in the request
    later_jobs.run()
    (sent,) = service.received
    assert sent.path == "/push/geraet-2"
    assert keys.decrypt(sent.body)["body"] == "Olaf Otto hat in „Thema“ geantwortet."


def test_the_push_job_reads_only_the_entries_of_members_with_a_device(
    make_member, other, service, vapid
):
    watchers = [make_member() for _ in range(6)]
    _device(watchers[4], service, "geraet-4")
    ids = notify_reply(watchers, other)
    assert [n.recipient_id for n in push._pushed_entries(ids)] == [watchers[4].pk]


def test_a_withdrawn_entry_is_not_pushed(
    make_member, other, service, vapid, later_jobs, django_capture_on_commit_callbacks
):
    watchers = [make_member() for _ in range(3)]
    _device(watchers[0], service, "geraet-0")
    with django_capture_on_commit_callbacks(execute=True):
        notify_reply(watchers, other)
    Notification.objects.filter(recipient=watchers[0]).delete()
    later_jobs.run()
    assert service.received == []


def test_an_immediate_mail_leaves_after_the_commit_off_the_request_exactly_once(
    make_member, other, later_jobs, django_capture_on_commit_callbacks
):
    watchers = [make_member() for _ in range(5)]
    keen = watchers[1]
    for watcher in watchers:
        services.email_notifications_set(
            member=watcher,
            frequency=EmailFrequency.IMMEDIATELY if watcher == keen else EmailFrequency.DAILY,
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = notify_reply(watchers, other)
    assert later_jobs == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert mail.outbox == []  # not in the request
    mail_jobs = [(f, args) for f, args in later_jobs if f is services._mail_immediately]
    assert len(mail_jobs) == 1
    later_jobs.run()
    services._mail_immediately(ids)  # delivered twice: the claim mails once
    assert [m.to for m in mail.outbox] == [[keen.email]]
