"""Search at national scale: 50,000 members, 20,000 projects, 200,000 forum posts
and 1,000,000 chat messages on PostgreSQL; p50/p95 of the expertise search and,
where the branch has it, of the header search ``GET /api/search/``.

    createdb -h 127.0.0.1 -U postgres lotsennetz_bench_scale
    export DJANGO_SETTINGS_MODULE=config.settings \\
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_bench_scale
    DEBUG=1 .venv/bin/python manage.py migrate
    .venv/bin/python bench/search_scale.py --fill     # members/projects, then posts, messages
    .venv/bin/python bench/search_scale.py            # measure

``--fill`` runs ``bench/generate_network.py`` when the database has no members
yet, then adds the forum (20,000 threads of 10 posts, indexed by the forum's
own backend in one UPDATE) and the chat (200 network rooms of 5,000 messages)
with ``bulk_create`` in batches. Measuring runs with the production settings
(``DEBUG`` off), signed in as the benchmark's viewer with ``force_login``,
through Django's test ``Client`` and the whole middleware stack: every
question of the judged set (``tests/directory/judged/queries.py``) three times
after one warm-up round.
"""

import argparse
import datetime
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

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from chat.models import Message, Room, RoomKind  # noqa: E402
from community.models import User  # noqa: E402
from forum.models import Category, Post, Thread  # noqa: E402
from forum.search import PostgresForumSearch  # noqa: E402
from tests.directory.judged.queries import QUERIES  # noqa: E402

SEED = 1919
N_THREADS = 20_000
POSTS_PER_THREAD = 10
N_ROOMS = 200
MESSAGES_PER_ROOM = 5_000
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
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure(path: str, texts: list[str], rounds: int) -> dict[str, list[float]] | None:
    client = Client(HTTP_X_FORWARDED_PROTO="https", SERVER_NAME="localhost")
    client.force_login(User.objects.get(email=VIEWER_EMAIL))
    first = client.get(path, {"q": texts[0]}, secure=True)
    if first.status_code == 404:
        return None
    if first.status_code != 200:
        raise SystemExit(f"{path}: {first.status_code} {first.content[:300]!r}")
    for q in texts:  # warm-up
        client.get(path, {"q": q}, secure=True)
    times: dict[str, list[float]] = {q: [] for q in texts}
    for _round in range(rounds):
        for q in texts:
            t0 = time.perf_counter()
            response = client.get(f"{path}?{urlencode({'q': q})}", secure=True)
            times[q].append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (q, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fill", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("The scale benchmark needs PostgreSQL (set DATABASE_URL).")
    if args.fill:
        fill()
        return
    print(
        f"members {User.objects.count()}, threads {Thread.objects.count()},"
        f" posts {Post.objects.count()}, chat messages {Message.objects.count()}"
    )
    texts = [text for text, _need in QUERIES]
    for label, path in (("expertise search", "/api/members/"), ("header search", "/api/search/")):
        by_text = measure(path, texts, args.rounds)
        if by_text is None:
            print(f"{label} {path}: not on this branch")
            continue
        times = [t for ts in by_text.values() for t in ts]
        q = statistics.quantiles(times, n=100)
        print(
            f"{label} {path}: n={len(times)} p50 {statistics.median(times):.1f} ms"
            f"  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms  max {max(times):.1f} ms"
        )
        slowest = sorted(by_text.items(), key=lambda item: -statistics.median(item[1]))[:6]
        print(
            "  slowest (median ms): "
            + ", ".join(f"{text!r} {statistics.median(ts):.0f}" for text, ts in slowest)
        )


if __name__ == "__main__":
    main()
