"""Notification benchmark: what one forum reply costs with 10, 300 and 1,600 watchers.

Claim (issue 20): a reply tells its watchers in a constant number of queries
(one INSERT … ON CONFLICT DO UPDATE for all of them, and after the commit a
fixed handful for bells and mails), so its cost barely grows with the
watchers, where the old code inserted and delivered one row per watcher.

Both run side by side in one run, on the same data: "neu" is
``forum.services.post_create`` as it is; "alt" is the same call with the fan-out
of before (reproduced below, bench only: one ``Notification.objects.create``
per watcher, and after commit one SELECT and one ``group_send`` per row).
The old rows get the kind ``forum.reply.alt`` (the unique entry per
conversation would refuse the old duplicates of ``forum.reply``).

A reply is timed from the call to the end of its on-commit work (bells through
the channel layer, Redis when REDIS_URL is set), in autocommit as a request
runs it. Watchers get their mails daily (``daily``), so no mail is sent in
either: mail costs the same both ways (one per member and conversation). The
first reply of a thread creates every watcher's entry; later ones count on.

Reproduce (from the repository root, PostgreSQL and Redis on 127.0.0.1)::

    createdb -h 127.0.0.1 -U postgres lotsennetz_notifications_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_notifications_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/notifications.py [--replies 8]

The script migrates the database and refuses one whose name lacks "bench".
"""

import argparse
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

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from community.models import EmailFrequency, User  # noqa: E402
from core import realtime  # noqa: E402
from forum import services  # noqa: E402
from forum.models import Category, Post, Subscription, Thread  # noqa: E402
from notifications.models import Notification  # noqa: E402
from notifications.serializers import NotificationSerializer  # noqa: E402

WATCHERS = (10, 300, 1_600)
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


def timed_reply(thread: Thread, author: User, n: int) -> tuple[float, int, float]:
    """Seconds, queries and seconds of live sending of one reply, its on-commit work included."""
    connection.queries_log.clear()  # the log keeps 9,000: count from empty
    _live["seconds"] = 0.0
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        services.post_create(author=author, thread=thread, body=f"Antwort {n}")
        seconds = time.perf_counter() - start
    return seconds, len(queries.captured_queries), _live["seconds"]


def measure(way: str, watchers: int, people: list[User], replies: int) -> dict:
    author, writer = people[-1], people[-2]
    thread = fresh_thread(author, people[:watchers], f"Bench {way} {watchers} {time.time()}")
    original = services._fan_out
    if way == "alt":
        services._fan_out = _old_fan_out
    try:
        first, first_queries, first_live = timed_reply(thread, writer, 0)
        later = [timed_reply(thread, writer, n) for n in range(1, replies + 1)]
    finally:
        services._fan_out = original
    rows = Notification.objects.filter(thread_key=thread.notification_key).count()
    return {
        "way": way,
        "watchers": watchers,
        "first_ms": first * 1000,
        "first_queries": first_queries,
        "first_live_ms": first_live * 1000,
        "median_ms": statistics.median(s for s, _q, _l in later) * 1000,
        "live_ms": statistics.median(live for _s, _q, live in later) * 1000,
        "queries": later[-1][1],
        "rows": rows,
        "replies": replies + 1,
    }


def de(number: float) -> str:
    """A whole number the German way: 1.600."""
    return f"{number:,.0f}".replace(",", ".")


def table(results: list[dict]) -> str:
    lines = [
        "| Beobachtende | Weg | erste Antwort: ms (davon Live-Versand), Abfragen "
        "| weitere: Median ms (davon Live-Versand) | Abfragen je weitere Antwort | Zeilen danach |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {de(r['watchers'])} | {r['way']} "
            f"| {de(r['first_ms'])} ({de(r['first_live_ms'])}), {de(r['first_queries'])} "
            f"| {de(r['median_ms'])} ({de(r['live_ms'])}) | {de(r['queries'])} "
            f"| {de(r['rows'])} nach {r['replies']} Antworten |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--replies", type=int, default=8, help="timed replies after the first")
    args = parser.parse_args()
    name = connection.settings_dict["NAME"]
    if "bench" not in str(name):
        sys.exit(f"refusing database {name!r}: its name must contain 'bench'")
    call_command("migrate", verbosity=0)
    people = members(max(WATCHERS) + 2)
    results = []
    for watchers in WATCHERS:
        for way in ("alt", "neu"):
            result = measure(way, watchers, people, args.replies)
            results.append(result)
            print(
                f"{watchers:>5} watchers {way}: first {result['first_ms']:.1f} ms "
                f"({result['first_queries']} q), later median {result['median_ms']:.1f} ms "
                f"(live {result['live_ms']:.1f} ms), {result['queries']} q, {result['rows']} rows",
                flush=True,
            )
    layer = "Redis" if os.environ.get("REDIS_URL") else "In-Memory"
    print()
    print(f"{connection.vendor}, Channel-Layer: {layer}")
    print(table(results))


if __name__ == "__main__":
    main()
