"""What scoring only candidates costs in relevance and saves in time, at national scale.

For every question of the judged set (``tests/directory/judged/queries.py``) on
the database of ``bench/search_scale.py`` (50,000 members): the first page (20)
of the member search scoring all matches (``CANDIDATES_PER_WORD = None``, as
before) and scoring only the candidates per word (as now); how many of the
20 are the same and whether the order is, and ``EXPLAIN (ANALYZE, BUFFERS)``
of the ranking query of both (execution time, shared buffers hit and read).
Needs the filled database of ``bench/search_scale.py``:

    export DJANGO_SETTINGS_MODULE=config.settings \\
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_bench_s19
    .venv/bin/python bench/search_candidates.py [--forum]

``--forum`` does the same for the forum's ``post_search`` (first 60 posts,
as the header search reads them), with and without its candidate limit.
"""

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from community.models import User  # noqa: E402
from directory import selectors  # noqa: E402
from forum import selectors as forum_selectors  # noqa: E402
from tests.directory.judged.queries import QUERIES  # noqa: E402

VIEWER_EMAIL = "bench.viewer@bench.example"
PAGE = 20


def explain(sql: str) -> tuple[float, int, int]:
    """Execution time (ms), shared buffers hit and read of one query."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
    top = plan.split("\n")[0:6]
    hit = read = 0
    for line in top:
        if "Buffers:" in line:
            hit = int(m.group(1)) if (m := re.search(r"hit=(\d+)", line)) else 0
            read = int(m.group(1)) if (m := re.search(r"read=(\d+)", line)) else 0
            break
    return ms, hit, read


def members_page(viewer, q: str, per_word):
    selectors.CANDIDATES_PER_WORD = per_word
    with CaptureQueriesContext(connection) as captured:
        search = selectors.member_search(viewer=viewer, q=q)
        search.members.fetch(0, PAGE)
        ids = [m.pk for m in search.members[0:PAGE]]
        count = search.members.count()
    ranking = max(captured.captured_queries, key=lambda c: len(c["sql"]))["sql"]
    return ids, count, ranking


def forum_page(viewer, q: str, per_source):
    forum_selectors.FORUM_CANDIDATES = per_source
    with CaptureQueriesContext(connection) as captured:
        ids = [p.pk for p in forum_selectors.post_search(viewer=viewer, q=q)[: PAGE * 3]]
    return ids, None, captured.captured_queries[-1]["sql"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forum", action="store_true")
    args = parser.parse_args()
    viewer = User.objects.get(email=VIEWER_EMAIL)
    page, saved = (
        (forum_page, forum_selectors.FORUM_CANDIDATES)
        if args.forum
        else (members_page, selectors.CANDIDATES_PER_WORD)
    )
    rows = []
    for q, _need in QUERIES:
        all_ids, all_count, all_sql = page(viewer, q, None)
        some_ids, some_count, some_sql = page(viewer, q, saved)
        same = len(set(all_ids) & set(some_ids))
        before, now = explain(all_sql), explain(some_sql)
        rows.append(
            (q, len(all_ids), same, all_ids == some_ids, all_count, some_count, before, now)
        )
    print(f"load {os.getloadavg()}")
    print("question | hits | same | order | count before/now | before ms (hit/read) | now ms")
    for q, n, same, order, c0, c1, (b, bh, br), (m, mh, mr) in sorted(rows, key=lambda r: -r[6][0]):
        print(
            f"{q!r:28} {n:3} {same:3} {'=' if order else '≠'} {c0}/{c1}"
            f"  {b:7.1f} ms ({bh}/{br})  {m:7.1f} ms ({mh}/{mr})"
        )
    total = sum(r[1] for r in rows)
    print(f"same hits: {sum(r[2] for r in rows)}/{total}, same order: {sum(r[3] for r in rows)}")


if __name__ == "__main__":
    main()
