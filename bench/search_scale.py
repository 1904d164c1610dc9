"""Search at national scale: 50,000 members, 20,000 projects, 200,000 forum posts,
1,000,000 chat messages and 10,000 events on PostgreSQL; p50/p95/p99 and the
query counts of the expertise search ``GET /api/members/`` and of the header
search ``GET /api/search/``, each as it is now ("jetzt") and as it was before
issue 19's indexes and query shapes ("vorher"), in one run.

    createdb -h 127.0.0.1 -U postgres lotsennetz_bench_s19
    export DJANGO_SETTINGS_MODULE=config.settings \\
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_bench_s19
    DEBUG=1 .venv/bin/python manage.py migrate
    .venv/bin/python bench/search_scale.py --fill     # ≈ 15 min on 2 busy cores
    .venv/bin/python bench/search_scale.py --kinds    # measure (--kinds: each kind alone)

``--fill`` runs ``bench/generate_network.py`` when the database has no members
yet, then adds what is missing: the forum (20,000 threads of 10 posts, indexed
by the forum's own backend in one UPDATE), the chat (200 network rooms of
5,000 messages) and the events, with ``bulk_create`` in batches; a filled
database is reused. Measuring runs with the production settings (``DEBUG``
off, PostgreSQL, Redis from ``REDIS_URL``) and the worker's garbage collector
settings (``config.runtime.settle_heap``, as ``config/asgi.py``), signed in as the benchmark's
viewer with ``force_login``, through Django's test ``Client`` and the whole
middleware stack: every question of the judged set
(``tests/directory/judged/queries.py``) ``--rounds`` times after one warm-up
round, "vorher" and "jetzt" alternating round by round. "vorher" scores every
match (the member ranking and the forum search without their candidates);
with ``--old-shapes`` it runs the query shapes of ``bench/search_before.py``
instead, with the indexes added since dropped in a transaction that is rolled
back; with ``--header-before`` it runs the header search's composition of
``bench/search_header_before.py`` (each kind counted before its page, every
read hit given a snippet) with today's selectors; with ``--serial-before``
today's header search with its kinds read one after another instead of side by
side (``directory.federated.PARALLEL``). ``--kinds`` then times each
kind alone as the header search asks it: counted, and its first 20 hits.
``--only members`` measures the expertise search alone (``--header-only`` the
header search alone), ``--modes jetzt`` one shape, ``--json`` writes every time
for ``bench/search_versions.py``, which
compares two states of the code alternating process by process.
"""

import argparse
import contextlib
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()

import search_before  # noqa: E402 (bench/, beside this script)
import search_header_before  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from chat import selectors as chat_selectors  # noqa: E402
from chat.models import Message, Room, RoomKind  # noqa: E402
from community.models import Municipality, Project, User  # noqa: E402
from config.runtime import settle_heap  # noqa: E402
from directory import federated, selectors  # noqa: E402
from directory.selectors import RankedMembers  # noqa: E402
from events.models import Audience, Event  # noqa: E402
from forum import selectors as forum_selectors  # noqa: E402
from forum.models import Category, Post, Thread  # noqa: E402
from forum.search import PostgresForumSearch  # noqa: E402
from tests.directory.judged.queries import QUERIES  # noqa: E402

SEED = 1919
N_THREADS = 20_000
POSTS_PER_THREAD = 10
N_ROOMS = 200
MESSAGES_PER_ROOM = 5_000
N_EVENTS = 10_000
BATCH = 10_000
VIEWER_EMAIL = "bench.viewer@bench.example"

SUBJECTS = [
    "enaio", "d.velop", "VIS-Suite", "regisafe", "XRechnung", "die E-Akte", "das OZG",
    "civento", "Papershift", "Nextcloud", "Microsoft Teams", "den Aktenplan", "die Migration",
    "BigBlueButton", "Moodle", "die Dienstplanung", "Tablets im Außendienst", "F13", "CKAN",
]  # fmt: skip
SENTENCES = [
    "Hat jemand Erfahrungen mit {s}?", "Wir führen gerade {s} ein und suchen Rat.",
    "Bei uns läuft {s} seit zwei Jahren stabil.", "Die Schulung zu {s} war hilfreich.",
    "Wie habt ihr {s} mit dem Personalrat abgestimmt?", "Danke, das hilft uns weiter!",
    "Ich schicke euch unsere Checkliste zu {s}.", "Kurze Frage zur Lizenz von {s}.",
]  # fmt: skip


def text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(SENTENCES).format(s=rng.choice(SUBJECTS)) for _ in range(n))


def fill_forum(rng: random.Random, authors: list[int]) -> None:
    category, _created = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    now = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    for start in range(0, N_THREADS, BATCH // POSTS_PER_THREAD):
        with transaction.atomic():
            threads = Thread.objects.bulk_create(
                [
                    Thread(
                        category=category,
                        title=text(rng, 1)[:150],
                        author_id=rng.choice(authors),
                        created_at=now - datetime.timedelta(minutes=i),
                        last_activity_at=now - datetime.timedelta(minutes=i),
                        post_count=POSTS_PER_THREAD,
                    )
                    for i in range(start, min(N_THREADS, start + BATCH // POSTS_PER_THREAD))
                ]
            )
            posts = []
            for thread in threads:
                for number in range(1, POSTS_PER_THREAD + 1):
                    body = text(rng, rng.randint(1, 4))
                    posts.append(
                        Post(
                            thread=thread,
                            number=number,
                            author_id=rng.choice(authors),
                            body=body,
                            body_html=f"<p>{body}</p>",
                            created_at=thread.created_at,
                        )
                    )
            posts = Post.objects.bulk_create(posts)
            PostgresForumSearch().index([p.pk for p in posts])
        print(f"  {start + len(threads)} threads", flush=True)


def fill_chat(rng: random.Random, authors: list[int]) -> None:
    now = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    rooms = Room.objects.bulk_create(
        [
            Room(
                slug=f"bench-raum-{i}",
                name=f"Bench-Raum {i}",
                kind=RoomKind.NETWORK,
                last_seq=MESSAGES_PER_ROOM,
            )
            for i in range(N_ROOMS)
        ]
    )
    for room in rooms:
        with transaction.atomic():
            Message.objects.bulk_create(
                [
                    Message(
                        room=room,
                        seq=seq,
                        author_id=rng.choice(authors),
                        client_id=f"bench-{seq}",
                        body=(body := text(rng, rng.randint(1, 2))),
                        body_html=f"<p>{body}</p>",
                        created_at=now - datetime.timedelta(seconds=MESSAGES_PER_ROOM - seq),
                    )
                    for seq in range(1, MESSAGES_PER_ROOM + 1)
                ],
                batch_size=BATCH,
            )
    print(f"  {N_ROOMS} rooms, {N_ROOMS * MESSAGES_PER_ROOM} messages", flush=True)


EVENT_KINDS = ["Netzwerktreffen", "Werkstatt", "Webinar", "Sprechstunde", "Schulung"]


def fill_events(rng: random.Random, authors: list[int]) -> None:
    """N_EVENTS events from two years back to one ahead, most for the whole network."""
    now = datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC)
    municipalities = list(Municipality.objects.values_list("pk", "state"))
    rows = []
    for i in range(N_EVENTS):
        starts = now + datetime.timedelta(hours=rng.randint(-2 * 365 * 24, 365 * 24))
        host, state = rng.choice(municipalities)
        audience = rng.choices(
            [Audience.NETWORK, Audience.STATE, Audience.MUNICIPALITY], [7, 2, 1]
        )[0]
        subject = rng.choice(SUBJECTS)
        description = text(rng, rng.randint(2, 6))
        rows.append(
            Event(
                uid=f"bench-{i}@bench.example",
                title=f"{rng.choice(EVENT_KINDS)}: {subject}"[:200],
                description=description,
                description_html=f"<p>{description}</p>",
                hosting_municipality_id=host,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2),
                audience=audience,
                audience_state=state if audience == Audience.STATE else "",
                audience_municipality_id=host if audience == Audience.MUNICIPALITY else None,
                created_by_id=rng.choice(authors),
            )
        )
    Event.objects.bulk_create(rows, batch_size=BATCH)
    print(f"  {N_EVENTS} events", flush=True)


def fill() -> None:
    if "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit("--fill only on a database whose name contains 'bench'")
    if not User.objects.exists():
        import generate_network  # late: it fills the network only when asked to

        generate_network.main([])
    rng = random.Random(SEED)
    authors = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    started = time.perf_counter()
    if not Post.objects.exists():
        fill_forum(rng, authors)
        print(f"{time.perf_counter() - started:7.1f} s  forum", flush=True)
    if not Message.objects.exists():
        fill_chat(rng, authors)
        print(f"{time.perf_counter() - started:7.1f} s  chat", flush=True)
    if not Event.objects.exists():
        fill_events(random.Random(SEED + 1), authors)
        print(f"{time.perf_counter() - started:7.1f} s  events", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


OLD_SHAPES = False
HEADER_BEFORE = False
SERIAL_BEFORE = False


@contextlib.contextmanager
def shape(mode: str):
    """``jetzt``: the code as it is. ``vorher``: every match scored, as before the
    candidates of the member ranking and of the forum search
    (``directory.selectors.CANDIDATES_PER_WORD``, ``forum.selectors.FORUM_CANDIDATES``
    None); with ``--old-shapes`` instead the query shapes from before issue 19's
    indexes (``bench/search_before.py``) without the indexes added since, dropped
    inside a transaction that is rolled back afterwards."""
    if mode == "jetzt":
        yield
        return
    if SERIAL_BEFORE:
        federated.PARALLEL = False
        try:
            yield
        finally:
            federated.PARALLEL = True
        return
    if HEADER_BEFORE:
        saved = federated.search_everything, chat_selectors._newest_matches
        federated.search_everything = search_header_before.search_everything
        chat_selectors._newest_matches = search_header_before.newest_matches
        try:
            yield
        finally:
            federated.search_everything, chat_selectors._newest_matches = saved
        return
    if not OLD_SHAPES:
        saved_candidates = selectors.CANDIDATES_PER_WORD, forum_selectors.FORUM_CANDIDATES
        selectors.CANDIDATES_PER_WORD = forum_selectors.FORUM_CANDIDATES = None
        try:
            yield
        finally:
            selectors.CANDIDATES_PER_WORD, forum_selectors.FORUM_CANDIDATES = saved_candidates
        return
    saved = federated.SEARCHES, RankedMembers._load
    with transaction.atomic():
        with connection.cursor() as cursor:
            for name in search_before.INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        federated.SEARCHES = search_before.SEARCHES
        RankedMembers._load = search_before._load
        try:
            yield
        finally:
            federated.SEARCHES, RankedMembers._load = saved
            transaction.set_rollback(True)


def percentiles(times: list[float]) -> str:
    q = statistics.quantiles(times, n=100)
    return (
        f"n={len(times)} p50 {statistics.median(times):6.1f} ms  p95 {q[94]:6.1f} ms"
        f"  p99 {q[98]:6.1f} ms  max {max(times):6.1f} ms"
    )


def measure(paths: list[tuple[str, str]], modes: list[str], texts: list[str], rounds: int):
    """Each (path, mode) ``rounds`` times over all texts after one warm-up round,
    the modes alternating round by round so that they share the machine's load."""
    client = Client(HTTP_X_FORWARDED_PROTO="https", SERVER_NAME="localhost")
    client.force_login(User.objects.get(email=VIEWER_EMAIL))
    times = {(p, m): {q: [] for q in texts} for p in paths for m in modes}
    queries = {(p, m): set() for p in paths for m in modes}
    for round_ in range(rounds + 1):
        for path, label in paths:
            for mode in modes:
                with shape(mode):
                    for q in texts:
                        t0 = time.perf_counter()
                        with CaptureQueriesContext(connection) as captured:
                            response = client.get(f"{path}?{urlencode({'q': q})}", secure=True)
                        elapsed = (time.perf_counter() - t0) * 1000
                        assert response.status_code == 200, (path, q, response.status_code)
                        if round_:  # the first round warms up
                            times[(path, label), mode][q].append(elapsed)
                            queries[(path, label), mode].add(len(captured))
    return times, queries


def kinds_alone(texts: list[str], modes: list[str], rounds: int) -> None:
    """Each kind of the header search on its own (``search_everything(kinds=[kind])``, its
    first 20 hits)."""
    viewer = User.objects.get(email=VIEWER_EMAIL)
    for kind in federated.KINDS:
        for mode in modes:
            times = []
            with shape(mode):
                for round_ in range(rounds + 1):
                    for q in texts:
                        t0 = time.perf_counter()
                        found = federated.search_everything(viewer=viewer, q=q, kinds=[kind])
                        found.hits.expect(0, 20)
                        found.hits.count()  # as the paginator: counted, then
                        found.hits[0:20]  # the first page
                        if round_:
                            times.append((time.perf_counter() - t0) * 1000)
            print(f"  {kind:8} {mode:6} {percentiles(times)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fill", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kinds", action="store_true", help="also each kind on its own")
    parser.add_argument(
        "--old-shapes", action="store_true", help="vorher: the shapes before issue 19's indexes"
    )
    parser.add_argument(
        "--header-before",
        action="store_true",
        help="vorher: the header search's composition before counting read the page",
    )
    parser.add_argument(
        "--serial-before",
        action="store_true",
        help="vorher: today's header search with its kinds read one after another",
    )
    parser.add_argument("--header-only", action="store_true", help="only /api/search/")
    parser.add_argument(
        "--only", choices=["members", "search"], help="one endpoint: /api/members/ or /api/search/"
    )
    parser.add_argument(
        "--modes", default="vorher,jetzt", help="which of vorher,jetzt (comma-separated)"
    )
    parser.add_argument("--json", help="also write every time (ms) and query count to this file")
    args = parser.parse_args()
    global OLD_SHAPES, HEADER_BEFORE, SERIAL_BEFORE
    OLD_SHAPES, HEADER_BEFORE = args.old_shapes, args.header_before
    SERIAL_BEFORE = args.serial_before
    if connection.vendor != "postgresql":
        raise SystemExit("The scale benchmark needs PostgreSQL (set DATABASE_URL).")
    if args.fill:
        fill()
        return
    # As Django's own test runner: one connection throughout (a transaction of the
    # "vorher" shape must outlive the requests it spans).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # As config/asgi.py starts a worker: the URLconf loaded, then what lives as long
    # as the process frozen out of the garbage collector's way (full collections
    # otherwise walk it all, 200-300 ms under load, in the middle of a request).
    get_resolver().url_patterns  # noqa: B018
    settle_heap()
    print(
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()},"
        f" members {User.objects.count()}, projects {Project.objects.count()},"
        f" threads {Thread.objects.count()}, posts {Post.objects.count()},"
        f" chat messages {Message.objects.count()}, events {Event.objects.count()}",
        flush=True,
    )
    texts = [text for text, _need in QUERIES]
    modes = [m for m in args.modes.split(",") if m]
    paths = [("/api/members/", "Expertensuche"), ("/api/search/", "Kopfsuche")]
    if args.header_only:
        paths = paths[1:]
    if args.only:
        paths = [paths[0] if args.only == "members" else paths[1]]
    times, queries = measure(paths, modes, texts, args.rounds)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [
                    {"path": path, "mode": mode, "times": by_text, "queries": sorted(queries[key])}
                    for key in times
                    for (path, _label), mode in [key]
                    for by_text in [times[key]]
                ],
                ensure_ascii=False,
            )
        )
    for (path, label), mode in times:
        by_text = times[(path, label), mode]
        flat = [t for ts in by_text.values() for t in ts]
        counts = sorted(queries[(path, label), mode])
        print(f"{label} {path} {mode:6}: {percentiles(flat)}  queries {counts}")
        slowest = sorted(by_text.items(), key=lambda item: -statistics.median(item[1]))[:6]
        print(
            "  slowest (median ms): "
            + ", ".join(f"{text!r} {statistics.median(ts):.0f}" for text, ts in slowest)
        )
    if args.kinds:
        kinds_alone(texts, modes, args.rounds)
    print(f"load at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
