"""A reply's watchers hear of it from a job of the bell's outbox (issue 20): the
request writes one row whatever the number of watchers; the job runs after the
commit, survives a dead process, runs once, and reads who may still hear of it."""

import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from community.models import EmailFrequency
from community.services import member_deactivate
from forum import services
from notifications import jobs
from notifications import services as notification_services
from notifications.models import Notification, NotificationJob
from privacy.services import member_erase

pytestmark = pytest.mark.django_db


@pytest.fixture
def watchers(make_member, thread):
    def make(count, prefix="W"):
        people = [make_member(display_name=f"{prefix} {n}") for n in range(count)]
        for person in people:
            services.subscription_set(member=person, watch=True, thread=thread)
            notification_services.email_notifications_set(
                member=person, frequency=EmailFrequency.DAILY
            )
        return people

    return make


def reply(thread, author, body="Eine Antwort."):
    return services.post_create(author=author, thread=thread, body=body)


def entry(member):
    return Notification.objects.filter(recipient=member, kind="forum.reply").first()


def sweep(capture):
    """The sweeper (run_notification_jobs) after a dead process; sends follow its commits."""
    done = 0
    while True:  # a job may write the next (a fan-out its mails)
        with capture(execute=True):
            ran = jobs.jobs_run_due(grace_seconds=0)
        if not ran:
            return done
        done += ran


def _request_statements(member_api, thread):
    with CaptureQueriesContext(connection) as queries:
        response = member_api.post(
            f"/api/forum/threads/{thread.pk}/posts/", {"body": "Danke!"}, format="json"
        )
    assert response.status_code == 201, response.content
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def test_a_reply_request_makes_as_many_queries_with_2_as_with_50_watchers(
    member_api, make_thread, make_member, watchers, thread, jobs_left
):
    watchers(2)
    few = _request_statements(member_api, thread)
    watchers(48, prefix="V")
    many = _request_statements(member_api, thread)
    assert len(few) == len(many), (few, many)
    assert not Notification.objects.filter(kind="forum.reply").exists()  # not in the request
    assert NotificationJob.objects.filter(kind=services.WATCHERS_JOB).count() == 2
    (job, _second) = NotificationJob.objects.filter(kind=services.WATCHERS_JOB).order_by("pk")
    assert set(job.params) == {"post_id", "new_thread", "notified"}  # no list of watchers


def test_the_watchers_hear_of_the_reply_when_its_job_ran(
    thread, member, other, watchers, jobs_after_commit, django_capture_on_commit_callbacks
):
    people = watchers(3)
    with django_capture_on_commit_callbacks(execute=True):
        post = reply(thread, other)
        assert entry(people[0]) is None  # before the commit: only the job row
    assert [entry(p).item_count for p in [member, *people]] == [1, 1, 1, 1]
    assert entry(people[0]).url == post.get_absolute_url()
    assert not NotificationJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_reply_leaves_no_job(thread, other, watchers, jobs_left):
    watchers(3)
    with pytest.raises(RuntimeError), transaction.atomic():
        reply(thread, other)
        raise RuntimeError("the request failed after the reply")
    assert not NotificationJob.objects.exists()
    reply(thread, other)
    assert NotificationJob.objects.filter(kind=services.WATCHERS_JOB).count() == 1


def test_a_job_a_killed_process_left_is_run_by_the_command_and_mails_once(
    thread, other, watchers, jobs_left, django_capture_on_commit_callbacks
):
    keen, calm = watchers(2)
    notification_services.email_notifications_set(member=keen, frequency=EmailFrequency.IMMEDIATELY)
    with django_capture_on_commit_callbacks(execute=True):
        reply(thread, other)
    assert entry(keen) is None and mail.outbox == []  # the process died before its pool ran
    for _cron in range(3):  # cron, every minute; a run with nothing to do changes nothing
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_notification_jobs", "--once", "--grace", "0", stdout=None)
    assert entry(keen).item_count == 1 and entry(calm).item_count == 1
    mailed = [m.to for m in mail.outbox]
    assert mailed.count([keen.email]) == 1 and [calm.email] not in mailed
    assert not NotificationJob.objects.exists()


def test_a_fan_out_run_again_after_its_lease_was_taken_over_does_not_count_twice(
    thread, member, other, watchers, jobs_left, django_capture_on_commit_callbacks
):
    (watcher,) = watchers(1)
    reply(thread, other)
    (job,) = NotificationJob.objects.filter(kind=services.WATCHERS_JOB)
    slow = jobs._claim(job.pk)  # a worker takes it and stalls past its lease
    NotificationJob.objects.filter(pk=job.pk).update(claimed_until=job.created_at)
    assert sweep(django_capture_on_commit_callbacks) >= 1
    assert jobs._work(job.pk, slow) is False  # the stalled worker wakes up: undone
    assert jobs.job_run(job.pk) is False  # and a late second delivery finds nothing
    assert entry(watcher).item_count == 1
    assert entry(member).item_count == 1


def test_a_member_deactivated_before_the_job_ran_hears_nothing(
    thread, other, watchers, jobs_left, django_capture_on_commit_callbacks
):
    gone, staying = watchers(2)
    reply(thread, other)
    member_deactivate(member=gone)
    sweep(django_capture_on_commit_callbacks)
    assert entry(gone) is None
    assert entry(staying).item_count == 1


def test_a_member_who_stopped_watching_before_the_job_ran_hears_nothing(
    thread, other, watchers, jobs_left, django_capture_on_commit_callbacks
):
    leaving, staying = watchers(2)
    reply(thread, other)
    services.subscription_set(member=leaving, watch=False, thread=thread)
    sweep(django_capture_on_commit_callbacks)
    assert entry(leaving) is None
    assert entry(staying).item_count == 1


def test_an_author_erased_before_the_job_ran_is_named_to_nobody(
    thread, other, watchers, jobs_left, django_capture_on_commit_callbacks
):
    (watcher,) = watchers(1)
    reply(thread, other)
    member_erase(member=other)
    assert not NotificationJob.objects.exists()  # their pending work went with them
    sweep(django_capture_on_commit_callbacks)
    assert entry(watcher) is None


def test_a_post_deleted_before_its_job_ran_tells_nobody_and_takes_nothing_back(
    thread, member, other, watchers, jobs_left, django_capture_on_commit_callbacks
):
    (watcher,) = watchers(1)
    reply(thread, other, body="Die erste.")
    sweep(django_capture_on_commit_callbacks)
    assert entry(watcher).item_count == 1
    second = reply(thread, other, body="Die zweite, gleich wieder gelöscht.")
    services.post_delete(member=other, post=second)
    assert not NotificationJob.objects.exists()  # cancelled with the post
    sweep(django_capture_on_commit_callbacks)
    assert entry(watcher).item_count == 1  # the first reply still counted, not uncounted
    assert entry(member).item_count == 1


def test_a_post_hidden_before_its_job_ran_tells_nobody(
    thread, other, watchers, moderator, jobs_left, django_capture_on_commit_callbacks
):
    (watcher,) = watchers(1)
    post = reply(thread, other)
    services.post_hide(moderator=moderator, post=post, reason="Werbung")
    sweep(django_capture_on_commit_callbacks)
    assert entry(watcher) is None


def test_a_failing_fan_out_never_fails_the_reply_and_is_given_up_logged(
    member_api, thread, watchers, monkeypatch, caplog
):
    def broken(**_params):
        raise RuntimeError("Datenbank weg")

    monkeypatch.setitem(jobs._handlers, services.WATCHERS_JOB, broken)
    watchers(2)
    with caplog.at_level(logging.WARNING, logger="notifications.jobs"):
        response = member_api.post(
            f"/api/forum/threads/{thread.pk}/posts/", {"body": "Hallo"}, format="json"
        )
    assert response.status_code == 201
    (job,) = NotificationJob.objects.filter(kind=services.WATCHERS_JOB)
    assert job.attempts == 1 and job.failed_at is None  # tried again later
    for _attempt in range(jobs.MAX_ATTEMPTS - 1):
        NotificationJob.objects.filter(pk=job.pk).update(due_at=job.created_at)
        with caplog.at_level(logging.WARNING, logger="notifications.jobs"):
            jobs.jobs_run_due(grace_seconds=0)
    job.refresh_from_db()
    assert job.failed_at is not None
    assert any(r.levelno == logging.ERROR and "given up" in r.getMessage() for r in caplog.records)
