"""The judged query set: nDCG@5 and MRR of the member search on PostgreSQL and on
SQLite, side by side with a plain BM25 ranking of the same profile texts.

One run does both databases: this script starts itself once per database
(``--child``); each child creates a fresh test database (Django's test
database machinery: migrations, the expertise taxonomy of the data
migration), builds the network of ``tests/directory/judged/network.py``
through the services, runs every question of ``tests/directory/judged/queries.py``
through ``directory.selectors.member_search`` (signed in as an ordinary
member in Hessen) and through BM25 (``tests/directory/judged/evaluate.py``),
prints its rows as JSON and drops the database. The parent prints the table.

    source .helper-env   # DATABASE_URL of a PostgreSQL the user may create databases on
    .venv/bin/python bench/search_quality.py [--per-query] [--seed N] [--squeeze 20 10]

Without DATABASE_URL only SQLite runs. The judgments follow from the
generated facts by the rules in ``queries.py``; nothing here looks at a ranking
to decide what is relevant.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child(seed: int, squeeze: list[int] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from directory import selectors
    from tests.directory.judged.evaluate import evaluate
    from tests.directory.judged.network import build_network

    if squeeze:
        # The candidate path on a network of 300: from this many matches on, only
        # this many per word are scored (PostgreSQL; SQLite scores all anyway).
        selectors.COUNT_LIMIT, selectors.CANDIDATES_PER_WORD = squeeze

    # A database of its own, so a test run on the same server is not disturbed.
    connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = (
            f"judged_{connection.settings_dict['NAME']}_{os.getpid()}"
        )
    started = time.perf_counter()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        migrated = time.perf_counter()
        viewer, facts = build_network(seed=seed)
        built = time.perf_counter()
        rows = evaluate(viewer, facts)
        done = time.perf_counter()
    finally:
        teardown_databases(old, verbosity=0)
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "timings": {
                    "migrate": migrated - started,
                    "build": built - migrated,
                    "queries": done - built,
                },
                "members": sum(1 for m in facts.members.values() if m.active),
                "rows": [row.__dict__ for row in rows],
            }
        )
    )


def run_child(env: dict, seed: int, squeeze: list[int] | None = None) -> dict:
    extra = ["--squeeze", *map(str, squeeze)] if squeeze else []
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--seed", str(seed), *extra],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"the child for {env.get('DATABASE_URL', 'SQLite')} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--per-query", action="store_true", help="a row per question")
    parser.add_argument(
        "--squeeze",
        nargs=2,
        type=int,
        metavar=("MATCHES", "PER_WORD"),
        help="score only PER_WORD candidates per word from MATCHES matches on"
        " (COUNT_LIMIT, CANDIDATES_PER_WORD), to try the candidate path on 300 members",
    )
    args = parser.parse_args()
    if args.child:
        child(args.seed, args.squeeze)
        return
    runs = []
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        runs.append(run_child(dict(os.environ), args.seed, args.squeeze))
    sqlite_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    runs.append(run_child(sqlite_env, args.seed, args.squeeze))
    report(runs, per_query=args.per_query)


def report(runs: list[dict], *, per_query: bool) -> None:
    names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
    base = runs[-1]["rows"]
    for run in runs:
        t = run["timings"]
        print(
            f"{names[run['vendor']]}: {run['members']} active members;"
            f" migrate {t['migrate']:.0f} s, network {t['build']:.0f} s,"
            f" {len(run['rows'])} questions {t['queries']:.1f} s"
        )
    if any(run["rows"][i]["bm25"] != base[i]["bm25"] for run in runs for i in range(len(base))):
        print("note: BM25 differs between the databases (documents differ); SQLite's shown")
    header = [f"{names[r['vendor']]} {m}" for r in runs for m in ("nDCG@5", "MRR")]
    header += ["BM25 nDCG@5", "BM25 MRR"]
    if per_query:
        print()
        print(f"| {'question':32} | rel | " + " | ".join(header) + " |")
        print("|" + "-" * 34 + "|----:|" + "|".join("-" * (len(h) + 1) + ":" for h in header) + "|")
        for i, row in enumerate(base):
            values = [x for r in runs for x in (r["rows"][i]["ndcg"], r["rows"][i]["rr"])]
            values += [row["bm25_ndcg"], row["bm25_rr"]]
            cells = " | ".join(f"{v:{len(h)}.2f}" for v, h in zip(values, header, strict=True))
            print(f"| {row['query']:32} | {row['relevant']:3} | {cells} |")
    print()
    print("| ranking | nDCG@5 | MRR |")
    print("|---|---:|---:|")
    for run in runs:
        rows = run["rows"]
        print(
            f"| Lotsennetz, {names[run['vendor']]} | {statistics.mean(r['ndcg'] for r in rows):.3f}"
            f" | {statistics.mean(r['rr'] for r in rows):.3f} |"
        )
    print(
        f"| BM25 (rank-bm25) | {statistics.mean(r['bm25_ndcg'] for r in base):.3f}"
        f" | {statistics.mean(r['bm25_rr'] for r in base):.3f} |"
    )


if __name__ == "__main__":
    main()
