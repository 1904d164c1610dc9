"""Expertise search through the real view: latency over 200 varied queries, query counts.

Needs the network of bench/generate_network.py (see its docstring). Every
request goes through Django's test ``Client`` and the whole middleware stack,
signed in as an ordinary member with ``force_login``:
``GET /api/members/?q=…&<one filter>`` (the DRF endpoint; page size 25, the
default) and, unless ``--no-html``, ``GET /menschen/?…`` (the HTML page).

Prints p50/p95/p99/max in milliseconds over the 200 queries (after a warm-up of
30 other queries), for the API also the CPU time of this process and the time
in SQL statements (on a shared machine these show what a request costs when
the wall time includes waiting for a core), the figures
per filter kind and per kind of query text, the slowest requests, and the
number of SQL queries per request for page sizes 10,
25 and 100. ``--explain N`` prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the
slowest SQL statement of the N slowest requests.

    DJANGO_SETTINGS_MODULE=config.settings \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_bench \\
    .venv/bin/python bench/search_bench.py

It runs with the production settings, ``DEBUG`` off (as a worker does; DEBUG's
query log and template debugging cost every request time of their own), over
HTTPS as nginx forwards it; the SQL time comes from a cheap execute wrapper.
The HTML page needs the static files' manifest, as in production: run
``manage.py collectstatic`` once (with any ``SECRET_KEY``).
"""

import argparse
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

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from community.models import (  # noqa: E402
    LEVEL_CODES,
    Expertise,
    Municipality,
    ProjectKind,
    State,
    User,
)
from community.selectors import COUNT_LIMIT  # noqa: E402
from config.runtime import settle_heap  # noqa: E402

SEED = 3
N_QUERIES = 200
N_WARMUP = 30
VIEWER_EMAIL = "bench.viewer@bench.example"

# (class, query text): stemming, umlaut-less forms, typos, odd tool spellings, several words.
QUERY_TEXTS = [
    ("word", "Schulung"),
    ("stem", "Schulungen"),
    ("stem", "Akten"),
    ("word", "Dienstplanung"),
    ("word", "Datenschutz"),
    ("stem", "Tablets"),
    ("stem", "Videokonferenzen"),
    ("word", "Onlinedienste"),
    ("word", "Intranet"),
    ("word", "Aktenplan"),
    ("word", "Sitzungsdienst"),
    ("word", "Bauhof"),
    ("word", "Feuerwehr"),
    ("stem", "Prozesse"),
    ("word", "Notfallplanung"),
    ("word", "Wiki"),
    ("word", "Müller"),
    ("word", "Kämmerei"),
    ("umlaut", "Ubergabe"),
    ("umlaut", "Burgerburo"),
    ("umlaut", "Mangelmelder"),
    ("umlaut", "Kammerei"),
    ("umlaut", "Aussendienst"),
    ("umlaut", "Burgeranfragen"),
    ("umlaut", "Datenschutz-Folgenabschatzung"),
    ("typo", "Dienstplanug"),
    ("typo", "Schulng"),
    ("typo", "Datenschuz"),
    ("typo", "Digitalisirung"),
    ("typo", "Videokonferentz"),
    ("typo", "Aktenplann"),
    ("typo", "Sitzungsdinst"),
    ("typo", "Barierefreie"),
    ("tool", "ENAIO"),
    ("tool", "d.velop"),
    ("tool", "nextCloud"),
    ("tool", "MS-Teams"),
    ("tool", "papershift"),
    ("tool", "Civento"),
    ("tool", "big blue button"),
    ("tool", "QGis"),
    ("tool", "x-rechnung"),
    ("tool", "moodle"),
    ("tool", "regisafe"),
    ("tool", "Jitsi"),
    ("words", "E-Akte Bauhof"),
    ("words", "Schulungen Datenschutz"),
    ("words", "Tablets Außendienst"),
    ("words", "enaio Einführung"),
    ("words", "digitale Dienstplanung Feuerwehr"),
    ("words", "OZG Gewerbeanmeldung"),
    ("words", "KI Bürgeranfragen"),
    ("words", "Open Data Portal"),
    ("words", "Schmidt Kämmerei"),
    ("words", "Prozessmodellierung BPMN"),
    ("words", "Scanstelle Papierakten"),
    ("words", "Lernvideos E-Learning"),
]
TOOL_FILTERS = [
    "enaio", "ENAIO", "d.velop documents", "Microsoft Teams", "nextcloud", "Papershift",
    "civento", "Moodle", "QGIS", "XRechnung", "Mängelmelder", "Maengelmelder", "BigBlueButton",
]  # fmt: skip
FILTER_KINDS = ["expertise", "state", "kind", "tool", "municipality", "level"]


def build_queries(rng: random.Random, n: int) -> list[tuple[str, str, dict[str, str]]]:
    """(query class, filter kind, parameters) for n requests, each with q and one filter."""
    expertise = list(Expertise.objects.values_list("slug", flat=True))
    # Municipalities with at least a few members, as a searcher would pick.
    places = list(
        Municipality.objects.annotate(n=Count("members"))
        .filter(n__gte=3)
        .order_by("pk")
        .values_list("slug", flat=True)
    )
    queries = []
    texts = QUERY_TEXTS[:]
    for i in range(n):
        if i % len(texts) == 0:
            rng.shuffle(texts)
        query_class, q = texts[i % len(texts)]
        kind = FILTER_KINDS[i % len(FILTER_KINDS)]
        value = {
            "expertise": lambda: rng.choice(expertise),
            "state": lambda: rng.choice(State.values),
            "kind": lambda: rng.choice(ProjectKind.values),
            "tool": lambda: rng.choice(TOOL_FILTERS),
            "municipality": lambda: rng.choice(places),
            "level": lambda: rng.choice(list(LEVEL_CODES.values())),
        }[kind]()
        queries.append((query_class, kind, {"q": q, kind: value}))
    return queries


def html_params(params: dict[str, str]) -> dict[str, str]:
    """The same search for /menschen/: levels are numbers there."""
    if "level" in params:
        by_code = {code: str(int(level)) for level, code in LEVEL_CODES.items()}
        return {**params, "level": by_code[params["level"]]}
    return params


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(label: str, values: list[float]) -> str:
    return (
        f"| {label:<28} | {len(values):>4} | {percentile(values, 50):7.1f} | "
        f"{percentile(values, 95):7.1f} | {percentile(values, 99):7.1f} | {max(values):7.1f} |"
    )


HEADER = (
    "| requests                     |    n |  p50 ms |  p95 ms |  p99 ms |  max ms |\n"
    "|------------------------------|-----:|--------:|--------:|--------:|--------:|"
)


def timed_get(client: Client, url: str) -> tuple[float, object]:
    started = time.perf_counter()
    response = client.get(url, secure=True)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed, response


def costed_get(client: Client, url: str) -> tuple[float, float, float, object]:
    """Wall time, this process's CPU time and the time in SQL statements, in ms.

    On a shared machine the wall time includes waiting for a core; the CPU
    time of the process and the database time show what the request costs.
    """
    clock = SqlClock()
    cpu = time.process_time()
    with connection.execute_wrapper(clock):
        elapsed, response = timed_get(client, url)
    cpu = (time.process_time() - cpu) * 1000
    return elapsed, cpu, clock.seconds * 1000, response


class SqlClock:
    """Adds up the time spent in SQL statements (without DEBUG's query log)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def explain(url: str, client: Client) -> None:
    with CaptureQueriesContext(connection) as captured:
        client.get(url, secure=True)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    print(f"\n### {url}\nslowest of {len(captured)} statements ({slowest['time']} s):")
    print(slowest["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        print("\n".join(row[0] for row in cursor.fetchall()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-html", action="store_true", help="skip /menschen/")
    parser.add_argument("--explain", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark runs on PostgreSQL (set DATABASE_URL).")
    viewer = User.objects.filter(email=VIEWER_EMAIL).first()
    if viewer is None or User.objects.count() < 1000:
        raise SystemExit("No benchmark network here; run bench/generate_network.py first.")
    # Not setup_test_environment(): its template instrumentation keeps a copy of
    # every rendered context, which grows the heap and with it the garbage
    # collector's pauses until they dominated the HTML page's p95 (not so in daphne).
    client = Client(HTTP_HOST="localhost")
    settle_heap()  # as config/asgi.py does in every worker once it has started
    client.force_login(viewer)

    rng = random.Random(SEED)
    warmup = build_queries(random.Random(SEED + 1), N_WARMUP)
    queries = build_queries(rng, N_QUERIES)
    for _, _, params in warmup:
        timed_get(client, "/api/members/?" + urlencode(params))

    api_times, cpu_times, db_times, hits, rows = [], [], [], [], []
    for query_class, kind, params in queries:
        url = "/api/members/?" + urlencode(params)
        elapsed, cpu, db, response = costed_get(client, url)
        api_times.append(elapsed)
        cpu_times.append(cpu)
        db_times.append(db)
        hits.append(response.json()["count"])
        rows.append((elapsed, query_class, kind, url))

    html_times = []
    if not args.no_html:
        for _, _, params in warmup[:10]:
            timed_get(client, "/menschen/?" + urlencode(html_params(params)))
        for _, _, params in queries:
            elapsed, _ = timed_get(client, "/menschen/?" + urlencode(html_params(params)))
            html_times.append(elapsed)

    counts: dict[int, list[int]] = {}
    for page_size in (10, 25, 100):
        for _, _, params in queries[:30]:
            url = "/api/members/?" + urlencode({**params, "page_size": page_size})
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, secure=True)
            counts.setdefault(page_size, []).append(len(captured))
    plain = {}
    for page_size in (10, 25, 100):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/members/?page_size={page_size}", secure=True)
        plain[page_size] = (len(captured), len(response.json()["results"]))

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")  # the deploy guide sets 1.1
        random_page_cost = cursor.fetchone()[0]
    print(
        f"Network: {User.objects.count()} members, {Municipality.objects.count()} municipalities;"
        f" PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000},"
        f" random_page_cost {random_page_cost};"
        f" load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1/5/15 min)"
    )
    print(f"{N_QUERIES} queries (q + one filter), warm-up {N_WARMUP}; page size 25\n")
    print(HEADER)
    print(summary("GET /api/members/", api_times))
    if db_times:
        print(summary("  of which CPU (process)", cpu_times))
        print(summary("  of which SQL (DB time)", db_times))
    if html_times:
        print(summary("GET /menschen/ (HTML, 25/pg)", html_times))
    print("\nAPI by filter:\n" + HEADER)
    for kind in FILTER_KINDS:
        print(summary(f"q + {kind}", [t for t, _, k, _ in rows if k == kind]))
    print("\nAPI by query text:\n" + HEADER)
    for query_class in sorted({c for _, c, _, _ in rows}):
        print(summary(query_class, [t for t, c, _, _ in rows if c == query_class]))
    print(
        f"\nHits per query: median {statistics.median(hits):.0f}, "
        f"max {max(hits)}, empty {sum(1 for h in hits if h == 0)} of {len(hits)}, "
        f"at the count limit ({COUNT_LIMIT}) {sum(1 for h in hits if h >= COUNT_LIMIT)}"
    )
    print("\nSQL queries per request (30 searches each, plus the unfiltered directory):")
    print("| page_size | search: min | search: max | no filter: queries | rows |")
    print("|----------:|------------:|------------:|-------------------:|-----:|")
    for page_size, values in counts.items():
        n, shown = plain[page_size]
        print(f"| {page_size:>9} | {min(values):>11} | {max(values):>11} | {n:>18} | {shown:>4} |")
    print("\nSlowest API requests:")
    for elapsed, query_class, kind, url in sorted(rows, reverse=True)[:8]:
        print(f"  {elapsed:7.1f} ms  {query_class:<6} {kind:<12} {url}")
    for _, _, _, url in sorted(rows, reverse=True)[: args.explain]:
        explain(url, client)


if __name__ == "__main__":
    main()
