"""Notification benchmark: what one forum reply costs with 10, 300 and 1,600 watchers.

Claim (issue 20): a reply tells its watchers in a constant number of queries
(one INSERT … ON CONFLICT DO UPDATE for all of them, and after the commit a
fixed handful for bells and mails), and its time does not grow with watchers
who have no page open: live events go only to members with a bell socket open
(``notifications.online``, one question to Redis for all recipients).

The ways run side by side in one run, on the same data:

- "jetzt": ``forum.services.post_create`` as it is;
- "vorher": the same, but every watcher counts as online (the live sending
  before the presence of bells: one group event per watcher, open page or not);
- "alt" (only with ``--with-old``): the fan-out of before issue 20, reproduced
  below (one ``Notification.objects.create`` per watcher, and after commit one
  SELECT and one ``group_send`` per row). Its rows get the kind
  ``forum.reply.alt`` (the unique entry per conversation would refuse them).

Each with nobody connected and with ``--connected`` watchers (default 5) whose
bell counts as open and whose group has a channel (as an open page's socket).
A reply is timed from the call to the end of its on-commit work (bells through
the channel layer, Redis when REDIS_URL is set), in autocommit as a request
runs it: its wall time in the request. Watchers get their mails daily
(``daily``), so no mail is sent: mail costs the same every way. The first
reply of a thread creates every watcher's entry; later ones count on.

Reproduce (from the repository root, PostgreSQL and Redis on 127.0.0.1)::

    createdb -h 127.0.0.1 -U postgres lotsennetz_notifications_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_notifications_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/notifications.py [--replies 8] [--connected 5] [--with-old]

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

from asgiref.sync import async_to_sync  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from community.models import EmailFrequency, User  # noqa: E402
from core import realtime  # noqa: E402
from forum import services  # noqa: E402
from forum.models import Category, Post, Subscription, Thread  # noqa: E402
from notifications import online  # noqa: E402
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
    original_fan_out, original_filter = services._fan_out, online.filter_online
    if way == "alt":
        services._fan_out = _old_fan_out
    if way == "vorher":
        online.filter_online = lambda ids: set(ids)
    open_bells = people[: min(connected, watchers)]
    joined = _connect(open_bells, f"{way}.{watchers}.{time.time()}") if open_bells else []
    try:
        first, first_queries, first_live = timed_reply(thread, writer, 0)
        later = [timed_reply(thread, writer, n) for n in range(1, replies + 1)]
    finally:
        services._fan_out, online.filter_online = original_fan_out, original_filter
        if open_bells:
            _disconnect(open_bells, joined)
    rows = Notification.objects.filter(thread_key=thread.notification_key).count()
    return {
        "way": way,
        "watchers": watchers,
        "connected": len(open_bells),
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
        "| Beobachtende | offene Glocken | Weg | erste Antwort: ms (davon Live-Versand), Abfragen "
        "| weitere: Median ms (davon Live-Versand) | Abfragen je weitere Antwort | Zeilen danach |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {de(r['watchers'])} | {r['connected']} | {r['way']} "
            f"| {de(r['first_ms'])} ({de(r['first_live_ms'])}), {de(r['first_queries'])} "
            f"| {de(r['median_ms'])} ({de(r['live_ms'])}) | {de(r['queries'])} "
            f"| {de(r['rows'])} nach {r['replies']} Antworten |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--replies", type=int, default=8, help="timed replies after the first")
    parser.add_argument("--connected", type=int, default=5, help="watchers with a bell open")
    parser.add_argument("--with-old", action="store_true", help="also the fan-out before issue 20")
    args = parser.parse_args()
    name = connection.settings_dict["NAME"]
    if "bench" not in str(name):
        sys.exit(f"refusing database {name!r}: its name must contain 'bench'")
    call_command("migrate", verbosity=0)
    people = members(max(WATCHERS) + 2)
    results = []
    ways = ("alt", "vorher", "jetzt") if args.with_old else ("vorher", "jetzt")
    for watchers in WATCHERS:
        for connected in (0, args.connected):
            for way in ways:
                result = measure(way, watchers, people, args.replies, connected)
                results.append(result)
                print(
                    f"{watchers:>5} watchers, {connected} open, {way}: "
                    f"first {result['first_ms']:.1f} ms ({result['first_queries']} q), "
                    f"later median {result['median_ms']:.1f} ms (live {result['live_ms']:.1f} ms), "
                    f"{result['queries']} q, {result['rows']} rows",
                    flush=True,
                )
    layer = "Redis" if os.environ.get("REDIS_URL") else "In-Memory"
    print()
    print(f"{connection.vendor}, Channel-Layer: {layer}")
    print(table(results))


if __name__ == "__main__":
    main()
