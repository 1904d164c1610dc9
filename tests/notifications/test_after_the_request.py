"""A reply's entries ring the open bells after the commit; Web Push and the
immediate mails are jobs of the outbox (notifications.jobs), written with the
entries for only the members who need them, and run off the request (issue 20)."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import EmailFrequency
from notifications import jobs, push, services
from notifications.models import Notification, NotificationJob
from tests.notifications.pushservice import BrowserKeys
from tests.notifications.replies import notify_reply

pytestmark = pytest.mark.django_db


def pending(kind=None):
    rows = NotificationJob.objects.order_by("pk")
    if kind is not None:
        rows = rows.filter(kind=kind)
    return list(rows)


def run_left_jobs(capture):
    """The sweeper takes up what the dead process left; its sends follow its commits."""
    with capture(execute=True):
        return jobs.jobs_run_due(grace_seconds=0)


def _device(member, service, name):
    keys = BrowserKeys()
    push.push_subscription_save(
        member=member, endpoint=service.endpoint(name), p256dh=keys.p256dh, auth=keys.auth
    )
    return keys


def test_the_request_reads_no_entry_of_watchers_without_an_open_bell(
    make_member, other, jobs_left, django_capture_on_commit_callbacks
):
    watchers = [make_member() for _ in range(12)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_reply(watchers, other)
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    assert queries.captured_queries == []  # no open bell: nothing to read or count
    assert pending(services.MAIL_JOB)  # mails: a job of the outbox, written with the entries


def test_a_watcher_with_a_device_gets_the_push_from_a_job(
    make_member, other, service, vapid, jobs_left, django_capture_on_commit_callbacks
):
    watchers = [make_member() for _ in range(6)]
    keys = _device(watchers[2], service, "geraet-2")
    with django_capture_on_commit_callbacks(execute=True):
        ids = notify_reply(watchers, other)
    assert service.received == []  # not in the request
    (job,) = pending(push.PUSH_JOB)
    device_owners = Notification.objects.filter(pk__in=ids, recipient=watchers[2])
    assert job.params == {"notification_ids": [device_owners.get().pk]}  # only theirs
    assert run_left_jobs(django_capture_on_commit_callbacks) >= 1
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
    make_member, other, service, vapid, jobs_left, django_capture_on_commit_callbacks
):
    watchers = [make_member() for _ in range(3)]
    _device(watchers[0], service, "geraet-0")
    with django_capture_on_commit_callbacks(execute=True):
        notify_reply(watchers, other)
    Notification.objects.filter(recipient=watchers[0]).delete()
    run_left_jobs(django_capture_on_commit_callbacks)
    assert service.received == []
    assert pending() == []


def test_an_immediate_mail_leaves_after_the_commit_off_the_request_exactly_once(
    make_member, other, jobs_left, django_capture_on_commit_callbacks
):
    watchers = [make_member() for _ in range(5)]
    keen = watchers[1]
    for watcher in watchers:
        services.email_notifications_set(
            member=watcher,
            frequency=EmailFrequency.IMMEDIATELY if watcher == keen else EmailFrequency.DAILY,
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ids = notify_reply(watchers, other)
    assert mail.outbox == []  # not in the request
    (job,) = pending()
    assert job.kind == services.MAIL_JOB
    keens = Notification.objects.get(recipient=keen).pk
    assert job.params == {"notification_ids": [keens]}  # only who wants a mail now
    assert run_left_jobs(django_capture_on_commit_callbacks) == 1
    assert run_left_jobs(django_capture_on_commit_callbacks) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services._mail_immediately(ids)  # delivered twice: the claim mails once
    assert [m.to for m in mail.outbox] == [[keen.email]]


def test_an_entry_mailed_already_asks_nothing_and_writes_no_job(
    make_member, other, jobs_left, django_capture_on_commit_callbacks
):
    watchers = [make_member() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        notify_reply(watchers, other)
    run_left_jobs(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3
    with CaptureQueriesContext(connection) as queries:
        notify_reply(watchers, other)  # unread and mailed: the bell counts on, no mail
    assert pending() == []
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1, statements  # the upsert alone
