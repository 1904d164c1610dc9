"""Notification benchmark: what one forum reply costs with 10, 300 and 1,600 watchers.

Claim (issue 20): a reply tells its watchers in a constant number of queries
(one INSERT … ON CONFLICT DO UPDATE for all of them, and after the commit a
fixed handful for bells and mails), and its time does not grow with watchers
who have no page open: live events go only to members with a bell socket open
(``notifications.online``, one question to Redis for all recipients).

The ways run side by side in one run, on the same data:

- "jetzt": ``forum.services.post_create`` as it is;
- "vorher": the same, with the delivery after commit as it was before the
  entries were read only for open bells (``_before_deliver`` below: every
  entry read again after the commit for the Web Push signal, the mail lookup
  by entry id);
- "alt" (only with ``--with-old``): the fan-out of before issue 20, reproduced
  below (one ``Notification.objects.create`` per watcher, and after commit one
  SELECT and one ``group_send`` per row). Its rows get the kind
  ``forum.reply.alt`` (the unique entry per conversation would refuse them).

Each with nobody connected and with ``--connected`` watchers (default 5) whose
bell counts as open and whose group has a channel (as an open page's socket).
A reply is timed from the call to the end of its on-commit work (bells through
the channel layer, Redis when REDIS_URL is set), in autocommit as a request
runs it: its wall time in the request. Five watchers want their mails
immediately (``--mail``), five have a Web Push device (``--push``), the rest
get a daily digest: the same few every way and every size, so what grows
with the watchers is the lookup, not the mailing. Push is on (a bench VAPID
key); the push threads find the devices and render the messages, only the
HTTP request to the push service is left out (``_send_one`` counts). Each
reply's push job is awaited after its timing, outside it. The first reply of
a thread creates every watcher's entry; later ones count on.
``--profile`` prints a cProfile of one later reply per size instead.

Reproduce (from the repository root, PostgreSQL and Redis on 127.0.0.1)::

    createdb -h 127.0.0.1 -U postgres lotsennetz_notifications_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_notifications_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/notifications.py [--replies 8] [--connected 5] [--with-old]
        [--profile]

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
from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from community.models import EmailFrequency, User  # noqa: E402
from core import realtime  # noqa: E402
from forum import services  # noqa: E402
from forum.models import Category, Post, Subscription, Thread  # noqa: E402
from notifications import online, push, selectors  # noqa: E402
from notifications import services as notification_services  # noqa: E402
from notifications.models import Notification, PushSubscription  # noqa: E402
from notifications.serializers import NotificationSerializer  # noqa: E402

WATCHERS = (10, 300, 1_600)
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


def _before_deliver(told: list[tuple[int, int]]) -> None:
    """The delivery after commit before this change: every entry read again (for
    the Web Push signal, which carried them all), the mails looked up by entry id."""
    notification_ids = [pk for pk, _recipient in told]
    notifications = list(
        Notification.objects.filter(pk__in=notification_ids)
        .only(*notification_services.PAYLOAD_FIELDS)
        .order_by("recipient_id", "pk")
    )
    if not notifications:
        return
    live_ids = online.filter_online({n.recipient_id for n in notifications})
    live = [n for n in notifications if n.recipient_id in live_ids]
    counts = selectors.notification_unread_counts(member_ids=sorted(live_ids)) if live else {}
    payloads = notification_services.live_payloads(live) if live else {}
    realtime.group_send_many(
        [
            (
                realtime.user_group(n.recipient_id),
                {
                    "type": realtime.NOTIFICATION_NEW,
                    "notification": payloads[n.pk],
                    "unread_count": counts.get(n.recipient_id, 0),
                },
            )
            for n in live
        ]
    )
    _before_mail(notification_ids)
    [n for n in notifications if n.kind in push.PUSH_KINDS]  # the receiver's filter
    push._submit(push._deliver_many, notification_ids)


def _before_mail(notification_ids: list[int]) -> None:
    """The immediate-mail lookup before this change (the rest as now)."""
    candidates = list(
        Notification.objects.filter(
            pk__in=notification_ids,
            emailed_at__isnull=True,
            read_at__isnull=True,
            recipient__is_active=True,
            recipient__email_notifications=EmailFrequency.IMMEDIATELY,
        ).select_related("recipient")
    )
    if candidates:
        notification_services._mail_immediately([n.pk for n in candidates])


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


def timed_reply(thread: Thread, author: User, n: int) -> tuple[float, int, float]:
    """Seconds, queries and seconds of live sending of one reply, its on-commit work included."""
    connection.queries_log.clear()  # the log keeps 9,000: count from empty
    _live["seconds"] = 0.0
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        services.post_create(author=author, thread=thread, body=f"Antwort {n}")
        seconds = time.perf_counter() - start
    push.push_wait()  # the push threads' job, outside the reply's time
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
    original_fan_out, original_deliver = services._fan_out, notification_services._deliver
    if way == "alt":
        services._fan_out = _old_fan_out
    if way == "vorher":
        notification_services._deliver = _before_deliver
    mail.outbox = []
    _pushed["count"] = 0
    open_bells = people[: min(connected, watchers)]
    joined = _connect(open_bells, f"{way}.{watchers}.{time.time()}") if open_bells else []
    try:
        first, first_queries, first_live = timed_reply(thread, writer, 0)
        later = [timed_reply(thread, writer, n) for n in range(1, replies + 1)]
    finally:
        services._fan_out, notification_services._deliver = original_fan_out, original_deliver
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
        "mails": len(mail.outbox),
        "pushes": _pushed["count"],
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
        seconds, queries, _live_s = timed_reply(thread, writer, 1)
        profiler.disable()
        print(f"--- {watchers} watchers: {seconds * 1000:.1f} ms, {queries} queries")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


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
    for watchers in WATCHERS:
        for connected in (0, args.connected):
            for way in ways:
                result = measure(way, watchers, people, args.replies, connected)
                results.append(result)
                print(
                    f"{watchers:>5} watchers, {connected} open, {way}: "
                    f"first {result['first_ms']:.1f} ms ({result['first_queries']} q), "
                    f"later median {result['median_ms']:.1f} ms (live {result['live_ms']:.1f} ms), "
                    f"{result['queries']} q, {result['rows']} rows, "
                    f"{result['mails']} mails, {result['pushes']} pushes",
                    flush=True,
                )
    layer = "Redis" if os.environ.get("REDIS_URL") else "In-Memory"
    print(f"Last (1, 5, 15 min): {os.getloadavg()}")
    print()
    print(f"{connection.vendor}, Channel-Layer: {layer}")
    print(table(results))


if __name__ == "__main__":
    main()
