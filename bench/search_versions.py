"""Two states of the code side by side on one database: "vorher" and "jetzt", alternating.

Each is a directory with the project (e.g. an export of the older commit,
``git archive <commit> | tar -x -C /tmp/vorher``, and this worktree). The
script runs ``bench/search_scale.py --modes jetzt --rounds 1 --json …`` (one
warm-up round, one measured round of every judged question) in the one and then
in the other, ``--runs`` times in turn, so that both share the machine's load,
and prints p50/p95/p99 and the query counts of each over all runs, and the
slowest questions. The older state is measured with this script's copy of
``bench/search_scale.py`` (copied into it), its own code otherwise.

    .venv/bin/python bench/search_versions.py /tmp/vorher . --runs 4 --only members
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def percentiles(times: list[float]) -> str:
    q = statistics.quantiles(times, n=100)
    return (
        f"n={len(times)} p50 {statistics.median(times):6.1f} ms  p95 {q[94]:6.1f} ms"
        f"  p99 {q[98]:6.1f} ms  max {max(times):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("vorher")
    parser.add_argument("jetzt")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--only", choices=["members", "search"], default="members")
    args = parser.parse_args()
    trees = {"vorher": Path(args.vorher).resolve(), "jetzt": Path(args.jetzt).resolve()}
    for tree in trees.values():
        if tree != HERE.parent:
            shutil.copy(HERE / "search_scale.py", tree / "bench" / "search_scale.py")
    times = {label: {} for label in trees}
    queries = {label: set() for label in trees}
    print(f"load at the start {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for label, tree in trees.items():
                out = Path(tmp) / f"{label}-{run}.json"
                subprocess.run(
                    [
                        sys.executable,
                        "bench/search_scale.py",
                        "--only",
                        args.only,
                        "--modes",
                        "jetzt",
                        "--rounds",
                        "1",
                        "--json",
                        str(out),
                    ],
                    cwd=tree,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                for entry in json.loads(out.read_text()):
                    for text, ts in entry["times"].items():
                        times[label].setdefault(text, []).extend(ts)
                    queries[label] |= set(entry["queries"])
            print(f"  run {run + 1}: load {os.getloadavg()}", flush=True)
    for label, by_text in times.items():
        flat = [t for ts in by_text.values() for t in ts]
        print(f"{label:6}: {percentiles(flat)}  queries {sorted(queries[label])}")
        slowest = sorted(by_text.items(), key=lambda item: -statistics.median(item[1]))[:6]
        print(
            "  slowest (median ms): "
            + ", ".join(f"{text!r} {statistics.median(ts):.0f}" for text, ts in slowest)
        )
    print(f"load at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
