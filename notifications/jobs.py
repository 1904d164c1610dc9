"""The bell's outbox: work after a commit that survives the process (``NotificationJob``).

As Discourse's PostAlerter job or Zulip's queue workers, but with no broker:
the job is a row of the same database, written in the transaction of what it
follows, so it exists if and only if that committed (SQLite and PostgreSQL
alike). Right after the commit this process's pool
(``notifications.background``) runs it; if the process dies first, the
sweeper takes it later: ``manage.py run_notification_jobs`` (cron with
``--once``, or a loop under systemd), and the pool itself looks for due jobs
when it is handed new ones (at most every ``SWEEP_EVERY_SECONDS``).

Running a job: one ``UPDATE … RETURNING`` claims it with a lease
(``claimed_until``) and counts the attempt; the handler runs in a transaction
that also deletes the row, but only if this attempt still holds it. So a
handler's writes happen exactly once: a worker whose lease ran out and was
taken over rolls its work back. What leaves the database (mails, Web Push)
handlers send after their transaction commits (``transaction.on_commit``):
at most once. A failing job is tried again later (``BACKOFF_SECONDS``,
doubling), and given up after ``MAX_ATTEMPTS`` with an error in the log;
nobody's request ever sees its exception.

Handlers register by kind from the app that knows the work (forum's
``AppConfig.ready``); a handler gets the job's parameters as keyword arguments.
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from community.models import User
from notifications import background
from notifications.models import NotificationJob

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 30  # after the first failure; doubles with each, at most an hour
# The sweep leaves jobs this young to the pool of the process that wrote them.
GRACE_SECONDS = 10
SWEEP_EVERY_SECONDS = 60

# Tests (tests/conftest.py): run a job where it is written, inside the caller's
# transaction, as the work ran before it had a job; what a handler sends after
# its commit then still waits for the caller's commit.
RUN_AT_ONCE = False

_handlers: dict[str, Callable[..., None]] = {}
_last_sweep = 0.0
_sweep_lock = threading.Lock()


class _LeaseLost(Exception):
    """Another worker took the job over while this one worked on it."""


def register(kind: str, handler: Callable[..., None]) -> None:
    """The work of jobs of this kind: ``handler(**params)``, inside the job's transaction."""
    _handlers[kind] = handler


@transaction.atomic
def job_enqueue(
    *, kind: str, params: dict, member: User | None = None, object_key: str = ""
) -> NotificationJob:
    """Write a job in the caller's transaction; this process runs it after the commit.

    ``member``: whose doing it is (their erasure drops it); ``object_key``:
    what it is about (``jobs_cancel`` when that goes before the job ran)."""
    if kind not in _handlers:
        raise ValueError(f"no handler for notification jobs of kind {kind}")
    job = NotificationJob.objects.create(
        kind=kind, params=params, member=member, object_key=object_key[:100]
    )
    if RUN_AT_ONCE:
        job_run(job.pk)
    else:
        pk = job.pk
        transaction.on_commit(lambda: _after_commit(pk))
    return job


def _after_commit(pk: int) -> None:
    background.submit(job_run, pk)
    _maybe_sweep()


def _maybe_sweep() -> None:
    """Now and then the pool also takes up jobs a dead process left behind."""
    global _last_sweep
    with _sweep_lock:
        now = time.monotonic()
        if now - _last_sweep < SWEEP_EVERY_SECONDS:
            return
        _last_sweep = now
    background.submit(jobs_run_due)


@transaction.atomic
def jobs_cancel(*, object_key: str) -> int:
    """Drop the pending jobs about something gone (a deleted post); returns how many.

    None dropped means the work was done (or is being committed right now: the
    row is locked, and this waits for it)."""
    return NotificationJob.objects.filter(object_key=object_key).delete()[0]


@transaction.atomic
def jobs_retry(*, job_ids: list[int]) -> int:
    """Give given-up jobs another round of attempts (an operator, after fixing the cause).

    Only jobs that were given up: one still pending or under way is left
    alone. They run at the next sweep; returns how many."""
    return NotificationJob.objects.filter(pk__in=job_ids, failed_at__isnull=False).update(
        failed_at=None, attempts=0, claimed_until=None, due_at=timezone.now(), last_error=""
    )


def _now_value(moment):
    return connection.ops.adapt_datetimefield_value(moment)


def _claim(pk: int) -> int | None:
    """Take the job for one lease, if it is due and nobody holds it; the attempt's number."""
    now = timezone.now()
    table = NotificationJob._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET claimed_until = %s, attempts = attempts + 1"  # noqa: S608 (constants)
            " WHERE id = %s AND failed_at IS NULL AND due_at <= %s"
            " AND (claimed_until IS NULL OR claimed_until < %s) RETURNING attempts",
            [
                _now_value(now + timedelta(seconds=LEASE_SECONDS)),
                pk,
                _now_value(now),
                _now_value(now),
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def job_run(pk: int) -> bool:
    """Claim the job and do it; True when this call did it (then the row is gone)."""
    attempt = _claim(pk)
    if attempt is None:
        return False
    return _work(pk, attempt)


def _work(pk: int, attempt: int) -> bool:
    """Do a claimed job: its writes and the row's deletion in one transaction, kept
    only if this attempt still holds the job (nobody took it over meanwhile)."""
    job = NotificationJob.objects.filter(pk=pk).only("kind", "params").first()
    if job is None:  # done or cancelled meanwhile
        return False
    try:
        with transaction.atomic():
            handler = _handlers.get(job.kind)
            if handler is None:
                raise LookupError(f"no handler for {job.kind}")
            handler(**job.params)
            if not NotificationJob.objects.filter(pk=pk, attempts=attempt).delete()[0]:
                raise _LeaseLost
    except _LeaseLost:
        logger.warning("notification job %s was taken over; this attempt's work is undone", pk)
        return False
    except Exception as exc:
        _failed(pk, job.kind, attempt, exc)
        return False
    return True


def _failed(pk: int, kind: str, attempt: int, exc: Exception) -> None:
    now = timezone.now()
    error = f"{type(exc).__name__}: {exc}"[:300]
    rows = NotificationJob.objects.filter(pk=pk, attempts=attempt)
    if attempt >= MAX_ATTEMPTS:
        logger.error(
            "notification job %s (%s) given up after %d attempts: %s", pk, kind, attempt, error
        )
        rows.update(failed_at=now, claimed_until=None, last_error=error)
        return
    delay = min(BACKOFF_SECONDS * 2 ** (attempt - 1), 3600)
    logger.warning(
        "notification job %s (%s) failed (attempt %d), again in %d s: %s",
        pk,
        kind,
        attempt,
        delay,
        error,
    )
    rows.update(claimed_until=None, due_at=now + timedelta(seconds=delay), last_error=error)


def jobs_due(*, grace_seconds: float = GRACE_SECONDS, limit: int = 100) -> list[int]:
    """Jobs nobody holds (never claimed, or the lease ran out) that are due, oldest first.

    ``grace_seconds``: a job younger than that is left to its own process's pool."""
    now = timezone.now()
    return list(
        NotificationJob.objects.filter(
            failed_at__isnull=True,
            due_at__lte=now,
            created_at__lte=now - timedelta(seconds=grace_seconds),
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def jobs_run_due(*, grace_seconds: float = GRACE_SECONDS, limit: int = 100) -> int:
    """The sweep: run the due jobs nobody holds; returns how many were done."""
    return sum(job_run(pk) for pk in jobs_due(grace_seconds=grace_seconds, limit=limit))
