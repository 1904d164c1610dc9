"""Notification benchmark: what one forum reply costs its request with 10, 300 and 1,600 watchers.

Claim (issue 20): a reply's request does not grow with the number of
watchers. It writes the post and one job row of the bell's outbox
(``notifications.jobs``); the upsert of every watcher's entry runs in that
job after the commit, off the request (the pool of the process,
``notifications.background``), and the open bells ring when it ran.

The ways run alternately in one run, on the same data:

- "jetzt": ``forum.services.post_create`` as it is (the watchers' job);
- "vorher": the same, with the fan-out as it was before the outbox, rebuilt
  below (``_before_fan_out``: the watchers' upsert in the request; immediate
  mails and Web Push handed to the in-memory pool after the commit, no job rows);
- "alt" (only with ``--with-old``): the fan-out of before issue 20, reproduced
  below (one ``Notification.objects.create`` per watcher, and after commit one
  SELECT and one ``group_send`` per row). Its rows get the kind
  ``forum.reply.alt`` (the unique entry per conversation would refuse them).

Each with nobody connected and with ``--connected`` watchers (default 5) whose
bell counts as open and whose group has a channel (as an open page's socket).
"Anfrage" is timed from the call to the end of its on-commit work in the
calling thread (autocommit, as a request runs it), and its queries are those
of that thread. "Auftrag" is the watchers' job's own time in the pool thread
(claim, upsert, deletion of the row, then ringing the open bells), measured
there; after each reply the script waits until the pool is idle (the job,
then its mail and push jobs), outside both timings. Five watchers want their
mails immediately (``--mail``), five have a Web Push device (``--push``), the
rest get a daily digest. Push is on (a bench VAPID key); only the HTTP request
to the push service is left out (``_send_one`` counts). The first reply of a
thread creates every watcher's entry; later ones count on.
``--profile`` prints a cProfile of one later reply's request per size instead.

Reproduce (from the repository root, PostgreSQL and Redis on 127.0.0.1)::

    createdb -h 127.0.0.1 -U postgres lotsennetz_notifications_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_notifications_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/notifications.py [--replies 8] [--connected 5] [--with-old]
        [--profile]

The script migrates the database and refuses one whose name lacks "bench".
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Measured as production runs: DEBUG off (see bench/forum_settings.py).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.forum_settings")

import django

django.setup()

from asgiref.sync import async_to_sync  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils.translation import gettext_noop  # noqa: E402

from community.models import EmailFrequency, User  # noqa: E402
from core import realtime  # noqa: E402
from forum import services  # noqa: E402
from forum.models import Category, Post, Subscription, Thread  # noqa: E402
from notifications import background, jobs, online, push  # noqa: E402
from notifications import services as notification_services  # noqa: E402
from notifications.models import Notification, NotificationJob, PushSubscription  # noqa: E402
from notifications.serializers import NotificationSerializer  # noqa: E402
from notifications.texts import later  # noqa: E402

WATCHERS = (10, 300, 1_600)
logging.getLogger("core.emails").setLevel(logging.WARNING)  # a line per mail otherwise
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Push on (any key will do: the request to the push service is left out).
settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = "bench"
settings.VAPID_SUBJECT = "mailto:bench@bench.invalid"
PREFIX = "notification-bench"


# --- the old code path, reproduced for the comparison only ----------------------------------
def _old_deliver(notification_id: int) -> None:
    """Before issue 20: per row, after commit, a SELECT and a group_send."""
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None:
        return
    realtime.group_send(
        realtime.user_group(notification.recipient_id),
        {
            "type": realtime.NOTIFICATION_NEW,
            "notification": NotificationSerializer(notification).data,
        },
    )


def _old_fan_out(*, post: Post, actor: User, mentioned, new_thread: bool) -> None:
    """Before issue 20: one row per watcher and reply, each delivered on its own."""
    thread = post.thread
    watching = Q(category_id=thread.category_id) | Q(tag__in=thread.tags.all())
    if not new_thread:
        watching |= Q(thread=thread)
    watcher_ids = set(
        Subscription.objects.filter(watching, member__is_active=True).values_list(
            "member_id", flat=True
        )
    ) - {actor.pk}
    text = f"{actor.display_name} hat in „{thread.title}“ geantwortet."
    for member in User.objects.filter(pk__in=watcher_ids).order_by("pk"):
        notification = Notification.objects.create(
            recipient=member,
            actor=actor,
            kind="forum.reply.alt",
            text=text,
            url=post.get_absolute_url(),
            thread_key=thread.notification_key,
            thread_title=thread.title,
        )
        transaction.on_commit(lambda pk=notification.pk: _old_deliver(pk))


def _before_fan_out(*, post: Post, actor: User, mentioned, new_thread: bool) -> None:
    """Before the outbox: the watchers' upsert in the request (as ``_notify_watchers``
    does now in its job), mails and Web Push handed to the pool after the commit."""
    thread = post.thread
    notified = services._notify_mentions(
        post=post, actor=actor, mentioned=mentioned, at=post.created_at
    )
    notification_services.notify_members(
        recipients=services._watchers(thread=thread, new_thread=new_thread, notified=notified),
        kind="forum.new_thread" if new_thread else "forum.reply",
        text=later(
            gettext_noop("%(name)s hat in „%(title)s“ geantwortet."),
            name=actor.display_name,
            title=thread.title,
        ),
        url=post.get_absolute_url(),
        thread_key=thread.notification_key,
        thread_title=thread.title,
        actor=actor,
        at=post.created_at,
    )


def _before_deliver(told: list[tuple[int, int]]) -> None:
    """After the commit before the outbox: the bells, then mails and Web Push as two
    jobs of the in-memory pool (every entry's id, looked up there)."""
    _deliver_now(told)
    notification_ids = [pk for pk, _recipient in told]
    background.submit(notification_services._mail_immediately, notification_ids)
    background.submit(push._deliver_many, notification_ids)


_deliver_now = notification_services._deliver


# What the push threads would have sent (the push service itself is left out).
_pushed = {"count": 0}


def _count_push(subscription, data) -> None:
    _pushed["count"] += 1


# --- data ---------------------------------------------------------------------------------------
def members(count: int) -> list[User]:
    """``count`` bench members (made in bulk: no password hashing), with daily mails."""
    have = list(User.objects.filter(email__startswith=f"{PREFIX}-").order_by("pk"))
    missing = [
        User(
            email=f"{PREFIX}-{n}@bench.invalid",
            email_canonical=f"{PREFIX}-{n}@bench.invalid",
            handle=f"{PREFIX}-{n}",
            display_name=f"Lotsin {n}",
            password="!",
            email_notifications=EmailFrequency.DAILY,
        )
        for n in range(len(have), count)
    ]
    User.objects.bulk_create(missing, batch_size=2000)
    return list(User.objects.filter(email__startswith=f"{PREFIX}-").order_by("pk"))[:count]


def special(people: list[User], mail: int, devices: int) -> None:
    """The first ``mail`` members want mails immediately, the next ``devices`` have a device."""
    User.objects.filter(pk__in=[p.pk for p in people]).update(
        email_notifications=EmailFrequency.DAILY
    )
    User.objects.filter(pk__in=[p.pk for p in people[:mail]]).update(
        email_notifications=EmailFrequency.IMMEDIATELY
    )
    PushSubscription.objects.filter(endpoint__startswith=f"https://{PREFIX}.invalid/").delete()
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                member=p, endpoint=f"https://{PREFIX}.invalid/{p.pk}", p256dh="x", auth="x"
            )
            for p in people[mail : mail + devices]
        ]
    )


def fresh_thread(author: User, watchers: list[User], title: str) -> Thread:
    category = Category.objects.get_or_create(
        slug="bench-benachrichtigungen", defaults={"name": "Bench", "position": 99}
    )[0]
    thread = services.thread_create(author=author, category=category, title=title, body="Start")
    Subscription.objects.bulk_create(
        [Subscription(member=w, thread=thread) for w in watchers if w.pk != author.pk],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return thread


# Seconds spent handing bells to the channel layer (both ways), per reply.
_live = {"seconds": 0.0}


def _timed(send):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return send(*args, **kwargs)
        finally:
            _live["seconds"] += time.perf_counter() - start

    return timed


realtime.group_send = _timed(realtime.group_send)
realtime.group_send_many = _timed(realtime.group_send_many)


# The watchers' job's own seconds, measured in the pool thread.
_jobs = {"seconds": []}
_job_run = jobs.job_run


def _timed_job_run(pk: int) -> bool:
    start = time.perf_counter()
    kind = NotificationJob.objects.filter(pk=pk).values_list("kind", flat=True).first()
    done = _job_run(pk)
    if kind == services.WATCHERS_JOB:
        _jobs["seconds"].append(time.perf_counter() - start)
    return done


jobs.job_run = _timed_job_run


def drain() -> None:
    """Until the pool is idle: a job may hand on the next (a fan-out its mails)."""
    while background._pending:
        background.wait(timeout=120)


def timed_reply(thread: Thread, author: User, n: int) -> tuple[float, int, float, float]:
    """Seconds and queries of one reply's request (its on-commit work in the calling
    thread included), seconds of live sending in it, and the watchers' job's seconds."""
    connection.queries_log.clear()  # the log keeps 9,000: count from empty
    _live["seconds"] = 0.0
    _jobs["seconds"] = []
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        services.post_create(author=author, thread=thread, body=f"Antwort {n}")
        seconds = time.perf_counter() - start
    live = _live["seconds"]
    drain()  # the jobs, outside the request's time
    job = sum(_jobs["seconds"])
    return seconds, len(queries.captured_queries), live, job


def _connect(people: list[User], tag: str) -> list[tuple[str, str]]:
    """These members' bells are open: counted online, a channel in their group."""
    layer = get_channel_layer()
    joined = [(realtime.user_group(p.pk), f"bench.{tag}.{p.pk}") for p in people]

    async def connect():
        for group, channel in joined:
            await layer.group_add(group, channel)
        await online.store().beat([p.pk for p in people])
        if isinstance(online.store(), online.MemoryOnline):
            for p in people:
                await online.store().add(p.pk)

    async_to_sync(connect)()
    return joined


def _disconnect(people: list[User], joined: list[tuple[str, str]]) -> None:
    layer = get_channel_layer()

    async def disconnect():
        for group, channel in joined:
            await layer.group_discard(group, channel)
        for p in people:
            await online.store().remove(p.pk)

    async_to_sync(disconnect)()
    if isinstance(online.store(), online.RedisOnline):
        online.store().sync_client.zrem(online.store().key, *[p.pk for p in people])


def measure(way: str, watchers: int, people: list[User], replies: int, connected: int) -> dict:
    author, writer = people[-1], people[-2]
    thread = fresh_thread(
        author, people[:watchers], f"Bench {way} {watchers} {connected} {time.time()}"
    )
    drain()
    original = (
        services._fan_out,
        notification_services._deliver,
        notification_services._enqueue_later,
    )
    if way == "alt":
        services._fan_out = _old_fan_out
    if way == "vorher":
        services._fan_out = _before_fan_out
        notification_services._deliver = _before_deliver
        notification_services._enqueue_later = lambda **kwargs: None
    mail.outbox = []
    _pushed["count"] = 0
    open_bells = people[: min(connected, watchers)]
    joined = _connect(open_bells, f"{way}.{watchers}.{time.time()}") if open_bells else []
    try:
        first = timed_reply(thread, writer, 0)
        later_ = [timed_reply(thread, writer, n) for n in range(1, replies + 1)]
    finally:
        (
            services._fan_out,
            notification_services._deliver,
            notification_services._enqueue_later,
        ) = original
        if open_bells:
            _disconnect(open_bells, joined)
    rows = Notification.objects.filter(thread_key=thread.notification_key).count()
    left = NotificationJob.objects.count()
    return {
        "way": way,
        "watchers": watchers,
        "connected": len(open_bells),
        "first_ms": first[0] * 1000,
        "first_queries": first[1],
        "first_job_ms": first[3] * 1000,
        "median_ms": statistics.median(r[0] for r in later_) * 1000,
        "p90_ms": sorted(r[0] for r in later_)[int(0.9 * (len(later_) - 1))] * 1000,
        "live_ms": statistics.median(r[2] for r in later_) * 1000,
        "job_ms": statistics.median(r[3] for r in later_) * 1000,
        "queries": later_[-1][1],
        "rows": rows,
        "replies": replies + 1,
        "mails": len(mail.outbox),
        "pushes": _pushed["count"],
        "jobs_left": left,
    }


def profile(people: list[User], connected: int) -> None:
    """Where one later reply's time goes, per size (cProfile, cumulative)."""
    import cProfile
    import pstats

    for watchers in WATCHERS:
        author, writer = people[-1], people[-2]
        thread = fresh_thread(author, people[:watchers], f"Profil {watchers} {time.time()}")
        timed_reply(thread, writer, 0)
        profiler = cProfile.Profile()
        profiler.enable()
        seconds, queries, _live_s, _job = timed_reply(thread, writer, 1)
        profiler.disable()
        print(f"--- {watchers} watchers: {seconds * 1000:.1f} ms, {queries} queries")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def de(number: float) -> str:
    """A whole number the German way: 1.600."""
    return f"{number:,.0f}".replace(",", ".")


def table(results: list[dict]) -> str:
    lines = [
        "| Beobachtende | offene Glocken | Weg | erste Antwort: Anfrage ms, Abfragen "
        "(Auftrag ms) | weitere: Anfrage Median ms (p90) | Abfragen je weitere Anfrage "
        "| weitere: Auftrag Median ms | Zeilen danach |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        job = "–" if r["way"] != "jetzt" else f"{de(r['job_ms'])}"
        first_job = "" if r["way"] != "jetzt" else f" ({de(r['first_job_ms'])})"
        lines.append(
            f"| {de(r['watchers'])} | {r['connected']} | {r['way']} "
            f"| {de(r['first_ms'])}, {de(r['first_queries'])}{first_job} "
            f"| {de(r['median_ms'])} ({de(r['p90_ms'])}) | {de(r['queries'])} "
            f"| {job} | {de(r['rows'])} nach {r['replies']} Antworten |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--replies", type=int, default=8, help="timed replies after the first")
    parser.add_argument("--connected", type=int, default=5, help="watchers with a bell open")
    parser.add_argument("--with-old", action="store_true", help="also the fan-out before issue 20")
    parser.add_argument("--mail", type=int, default=5, help="watchers mailed immediately")
    parser.add_argument("--push", type=int, default=5, help="watchers with a push device")
    parser.add_argument("--profile", action="store_true", help="cProfile one reply per size")
    args = parser.parse_args()
    name = connection.settings_dict["NAME"]
    if "bench" not in str(name):
        sys.exit(f"refusing database {name!r}: its name must contain 'bench'")
    call_command("migrate", verbosity=0)
    push._send_one = _count_push
    people = members(max(WATCHERS) + 2)
    special(people, args.mail, args.push)
    if args.profile:
        profile(people, args.connected)
        return
    results = []
    ways = ("alt", "vorher", "jetzt") if args.with_old else ("vorher", "jetzt")
    print(f"Last (1, 5, 15 min) am Anfang: {os.getloadavg()}", flush=True)
    for watchers in WATCHERS:
        for connected in (0, args.connected):
            for way in ways:
                result = measure(way, watchers, people, args.replies, connected)
                results.append(result)
                print(
                    f"{watchers:>5} watchers, {connected} open, {way}: "
                    f"first {result['first_ms']:.1f} ms ({result['first_queries']} q, "
                    f"job {result['first_job_ms']:.1f} ms), "
                    f"later median {result['median_ms']:.1f} ms p90 {result['p90_ms']:.1f} "
                    f"(live {result['live_ms']:.1f} ms), {result['queries']} q, "
                    f"job median {result['job_ms']:.1f} ms, {result['rows']} rows, "
                    f"{result['mails']} mails, {result['pushes']} pushes, "
                    f"{result['jobs_left']} jobs left",
                    flush=True,
                )
    layer = "Redis" if os.environ.get("REDIS_URL") else "In-Memory"
    print(f"Last (1, 5, 15 min): {os.getloadavg()}")
    print()
    print(f"{connection.vendor}, Channel-Layer: {layer}")
    print(table(results))


if __name__ == "__main__":
    main()
