"""The bell's outbox (notifications.jobs): a job runs once, under a lease, and a
failing one is tried again later and then given up, logged, never raised."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import jobs
from notifications.models import NotificationJob

pytestmark = pytest.mark.django_db

KIND = "tests.counted"
FAILING = "tests.failing"


@pytest.fixture
def done(monkeypatch):
    """A job kind that records each run, and one that always fails."""
    runs = []

    def counted(*, n):
        runs.append(n)

    def failing(**_params):
        raise RuntimeError("Mailserver antwortet nicht")

    monkeypatch.setitem(jobs._handlers, KIND, counted)
    monkeypatch.setitem(jobs._handlers, FAILING, failing)
    return runs


def _enqueue(kind=KIND, **params):
    return jobs.job_enqueue(kind=kind, params=params or {"n": 1})


def test_a_job_of_an_unknown_kind_is_refused_when_written():
    with pytest.raises(ValueError):
        jobs.job_enqueue(kind="tests.unknown", params={})


def test_a_job_runs_once_and_its_row_goes(done, jobs_left):
    job = _enqueue()
    assert jobs.job_run(job.pk) is True
    assert jobs.job_run(job.pk) is False  # a second delivery finds nothing
    assert done == [1]
    assert not NotificationJob.objects.exists()


def test_the_sweep_leaves_young_jobs_to_their_own_process(done, jobs_left):
    _enqueue()
    assert jobs.jobs_run_due() == 0  # younger than the grace period
    assert jobs.jobs_run_due(grace_seconds=0) == 1
    assert done == [1]


def test_a_live_lease_is_not_taken_an_expired_one_is(done, jobs_left):
    job = _enqueue()
    first = jobs._claim(job.pk)  # a worker holds it
    assert first == 1
    assert jobs._claim(job.pk) is None
    assert jobs.jobs_run_due(grace_seconds=0) == 0
    assert done == []
    NotificationJob.objects.filter(pk=job.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )  # the worker died: its lease ran out
    assert jobs.jobs_run_due(grace_seconds=0) == 1
    assert done == [1]


def test_a_worker_whose_lease_was_taken_over_undoes_its_work(done, jobs_left, caplog):
    job = _enqueue()
    slow = jobs._claim(job.pk)
    NotificationJob.objects.filter(pk=job.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert jobs.job_run(job.pk) is True  # taken over and done
    with caplog.at_level(logging.WARNING, logger="notifications.jobs"):
        assert jobs._work(job.pk, slow) is False  # the slow one finishes late: nothing
    assert done == [1]


def test_a_failing_job_is_tried_again_later_then_given_up_with_an_error_in_the_log(
    done, jobs_left, caplog
):
    job = _enqueue(FAILING)
    with caplog.at_level(logging.WARNING, logger="notifications.jobs"):
        assert jobs.job_run(job.pk) is False
    job.refresh_from_db()
    assert job.attempts == 1 and job.failed_at is None and job.claimed_until is None
    assert job.due_at > timezone.now() + timedelta(seconds=jobs.BACKOFF_SECONDS - 5)
    assert "Mailserver antwortet nicht" in job.last_error
    assert jobs.jobs_run_due(grace_seconds=0) == 0  # not before it is due again
    for _attempt in range(2, jobs.MAX_ATTEMPTS + 1):
        NotificationJob.objects.filter(pk=job.pk).update(due_at=timezone.now())
        with caplog.at_level(logging.WARNING, logger="notifications.jobs"):
            assert jobs.jobs_run_due(grace_seconds=0) == 0
    job.refresh_from_db()
    assert job.attempts == jobs.MAX_ATTEMPTS
    assert job.failed_at is not None
    (given_up,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "given up after 5 attempts" in given_up.getMessage()
    NotificationJob.objects.filter(pk=job.pk).update(due_at=timezone.now())
    assert jobs.jobs_due(grace_seconds=0) == []  # never again by itself


def test_the_command_runs_what_is_due_and_says_how_much(done, jobs_left):
    from io import StringIO

    from django.core.management import call_command

    _enqueue()
    _enqueue(n=2)
    out = StringIO()
    call_command("run_notification_jobs", "--once", "--grace", "0", stdout=out)
    assert sorted(done) == [1, 2]
    assert "2 notification job(s) done" in out.getvalue()


def test_after_the_commit_the_pool_runs_the_job(
    done, jobs_after_commit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _enqueue()
        assert done == []  # nothing before the commit
    assert done == [1]
    assert not NotificationJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_job_exists_only_if_its_transaction_committed(done, jobs_left):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        _enqueue()
        raise RuntimeError("rolled back")
    assert not NotificationJob.objects.exists()
    with transaction.atomic():
        _enqueue()
    assert NotificationJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_pool_runs_a_committed_job_in_its_own_thread(done, jobs_after_commit):
    from django.db import transaction

    from notifications import background

    with transaction.atomic():
        _enqueue()
    background.wait()
    assert done == [1]
    assert not NotificationJob.objects.exists()


# --- the operator's view: the admin lists jobs and retries what was given up -----------------
@pytest.fixture
def superuser_client(client, admin_member):
    admin_member.is_superuser = True
    admin_member.save()
    client.force_login(admin_member)
    return client


def _given_up(kind=KIND):
    job = _enqueue(kind)
    NotificationJob.objects.filter(pk=job.pk).update(
        attempts=jobs.MAX_ATTEMPTS, failed_at=timezone.now(), last_error="Mailserver weg"
    )
    return job


def test_the_admin_lists_given_up_jobs_and_retrying_runs_them_again(
    done, jobs_left, superuser_client
):
    failed, pending = _given_up(), _enqueue()
    page = superuser_client.get("/admin/notifications/notificationjob/?state=failed")
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [failed]
    assert (
        superuser_client.get(
            f"/admin/notifications/notificationjob/{failed.pk}/change/"
        ).status_code
        == 200
    )
    response = superuser_client.post(
        "/admin/notifications/notificationjob/",
        {"action": "retry", "_selected_action": [failed.pk, pending.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.failed_at is None and failed.attempts == 0 and failed.last_error == ""
    assert jobs.jobs_run_due(grace_seconds=0) == 2  # the retried and the pending one
    assert sorted(done) == [1, 1]


def test_retrying_leaves_a_pending_job_alone(done, jobs_left):
    pending = _enqueue()
    NotificationJob.objects.filter(pk=pending.pk).update(attempts=2)
    assert jobs.jobs_retry(job_ids=[pending.pk]) == 0
    pending.refresh_from_db()
    assert pending.attempts == 2


def test_a_member_does_not_reach_the_outbox(member_client, done, jobs_left):
    _given_up()
    response = member_client.get("/admin/notifications/notificationjob/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("option", [["--limit", "0"], ["--limit", "-5"], ["--grace", "-1"]])
def test_the_command_refuses_nonsense_options_with_a_reason(option, jobs_left):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--limit must be at least 1"):
        call_command("run_notification_jobs", "--once", *option)


def test_the_admins_list_of_jobs_costs_the_same_for_many(
    done, jobs_left, superuser_client, django_assert_num_queries
):
    from tests.queries import assert_constant_queries

    _given_up()
    _enqueue()

    def grow():
        for _ in range(15):
            _given_up()
            _enqueue()

    assert_constant_queries(
        superuser_client,
        "/admin/notifications/notificationjob/",
        grow,
        django_assert_num_queries,
        status=200,
    )
