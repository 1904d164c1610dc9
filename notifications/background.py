"""Work after the commit that need not hold up the request: outbox jobs and ``push_send``.

A small thread pool of this process (two threads): a forum reply's request
returns once its post and its job row committed; the watchers' entries, the
pushes to their devices and the immediate mails follow here
(``notifications.jobs``, one job each). Each job has its own database
connection, given back when it ends. At a normal exit the pool finishes what
is queued (``concurrent.futures`` joins its threads); a process that dies
loses only the queue in memory: the job rows stay and the sweeper takes them
up (``manage.py run_notification_jobs``). ``wait`` is for tests and commands
that want it done sooner.
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connections

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="notifications")
_pending: set[Future] = set()
_pending_lock = threading.Lock()


def _in_pool(function: Callable, *args) -> None:
    """Run in a pool thread: its database connection goes back when done."""
    try:
        function(*args)
    except Exception:
        logger.exception("notification work after the commit failed")
    finally:
        connections.close_all()


def submit(function: Callable, *args) -> None:
    """Run ``function(*args)`` in the pool; call it after the commit."""
    future = _executor.submit(_in_pool, function, *args)
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _pending_lock:
        _pending.discard(future)


def wait(timeout: float = 30) -> None:
    """Until the jobs under way are done (tests, and a command before it exits)."""
    with _pending_lock:
        pending = list(_pending)
    for future in pending:
        future.result(timeout=timeout)
