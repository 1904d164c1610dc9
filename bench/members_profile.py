"""Where one expertise search ``GET /api/members/?q=`` spends its time, end to end.

On the filled database of ``bench/search_scale.py`` (50,000 members), with the
production settings (``DEBUG`` off), signed in as the benchmark's viewer through
Django's test ``Client`` and the whole middleware stack: for each question, the
request's wall time (median of ``--repeat`` after a warm-up), every query it
runs with its time as the database driver saw it, and the rest (Python: the
middleware, the search's preparation, scoring the page's reasons, the
serializer). ``--explain`` adds ``EXPLAIN (ANALYZE, BUFFERS)`` of each query
(execution time, buffers); ``--profile`` the functions of one request by their
own time (``cProfile``).

    export DJANGO_SETTINGS_MODULE=config.settings \\
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_bench_s19
    .venv/bin/python bench/members_profile.py "dvelop E-Akte" "DMS Einführung" --explain
"""

import argparse
import cProfile
import os
import pstats
import re
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

from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from community.models import User  # noqa: E402

VIEWER_EMAIL = "bench.viewer@bench.example"


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = [row[0] for row in cursor.fetchall()]
    ms = re.search(r"Execution Time: ([\d.]+) ms", plan[-1]).group(1)
    buffers = next((line.strip() for line in plan if "Buffers:" in line), "")
    return f"exec {ms} ms, {buffers}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", nargs="*", default=["dvelop E-Akte", "DMS Einführung"])
    parser.add_argument("--path", default="/api/members/")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--plans", action="store_true", help="print whole plans")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    client = Client(HTTP_X_FORWARDED_PROTO="https", SERVER_NAME="localhost")
    client.force_login(User.objects.get(email=VIEWER_EMAIL))
    print(f"load {os.getloadavg()}")
    for q in args.questions:
        url = f"{args.path}?{urlencode({'q': q})}"
        client.get(url, secure=True)  # warm-up
        walls = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, secure=True)
            walls.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
        sql_ms = sum(float(c["time"]) for c in captured.captured_queries) * 1000
        wall = statistics.median(walls)
        print(
            f"\n{q!r}: wall median {wall:.1f} ms (min {min(walls):.1f}), "
            f"{len(captured)} queries {sql_ms:.1f} ms (last run), rest {walls[-1] - sql_ms:.1f} ms"
        )
        for c in captured.captured_queries:
            sql = c["sql"]
            line = f"  {float(c['time']) * 1000:6.1f} ms  {sql[:110]!s}"
            if args.explain and sql.lstrip().upper().startswith(("SELECT", "WITH")):
                line += f"\n           {explain(sql)}"
                if args.plans:
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        line += "\n" + "\n".join(r[0] for r in cursor.fetchall())
            print(line)
        if args.profile:
            profile = cProfile.Profile(time.process_time)  # CPU: not the waits
            profile.enable()
            for _ in range(args.repeat):
                client.get(url, secure=True)
            profile.disable()
            stats = pstats.Stats(profile)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
