"""The whole network in one room (issue 22): 2,000 sockets, the chat beside the bare stack.

Three scenarios, each run against the bare re-broadcasting consumer
(bench/bare_consumer.py on the rooms' pub/sub layer: the stack's floor) and
the chat (config.asgi:application), on the same daphne processes, Redis and
sockets, in one run:

1. ``fanout``: one room, N sockets over the daphne processes, S senders at
   one message a second each: the time from sending until the *last* of the N
   recipients has the message (p50/p99 over the messages), and how many
   deliveries were lost.
2. ``idle``: for each size (500, 1,000, 2,000) the sockets join within 10 s
   and then sit idle (presence on): daphne CPU and Redis commands per second
   during the idle phase, and resident memory per socket.
3. ``restart`` (chat only): the room as in 1 with messages flowing; one of the
   two daphne processes is stopped and started again; its sockets reconnect as
   the browser does (the first retry at a random moment within 3 s) and ask
   ``sync`` from the last ``seq`` they saw: the time until all are back and
   caught up without a gap, the most PostgreSQL connections seen, and any
   refused handshake (5xx).

The sockets are held by several load processes (``--load-processes``): one
Python process cannot drive 2,000 sockets on its own. Their CPU is printed,
so a reader can tell where the machine's limit is.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_chat_bench \\
    REDIS_URL=redis://127.0.0.1:6379/1 \\
    .venv/bin/python bench/chat_room.py --sockets 2000 --scenario fanout,idle,restart
"""

import argparse
import asyncio
import contextlib
import datetime
import json
import multiprocessing
import os
import random
import re
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.chat_settings")

from bench.chat_load import (  # noqa: E402
    cpu_seconds,
    daphne,
    deploy_options,
    ensure_database,
    forget_groups,
    prepare,
)

MAX_SOCKETS = 2000
#: The senders send each at its own moment of the second (``--send together``:
#: all five at once, the harder case). Set in main(); the forked load processes
#: inherit it.
SEND_SPREAD = True
ROOM = "bench-0"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pct(samples: list[float], p: float) -> float:
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(len(samples) * p))] if samples else float("nan")


# --- the load processes -------------------------------------------------------------------------
async def _open(address: str, path: str, token: str):
    import websockets

    return await websockets.connect(
        f"ws://{address}{path}",
        additional_headers={"Authorization": f"Token {token}"},
        origin=f"http://{address}",
        max_queue=None,
        ping_interval=None,
        open_timeout=60,
    )


BARE_PREFIX = '{"key": "'  # json.dumps({"key": key}), relayed as it is
MESSAGE_PREFIX = '{"type":"message","message":{'
SEQ = re.compile(r'"seq":(\d+)')
CLIENT_ID = re.compile(r'"client_id":"([^"\\]*)"')
CREATED = re.compile(r'"created_at":"([^"]+)"')


def reconnect_delay(attempt: int) -> float:
    """static/js/live.js's ``reconnectDelay``: the first retry at a random moment
    within 3 s, later ones with full jitter up to 1 s × 2^attempt, at most 15 s."""
    if attempt <= 0:
        return 0.25 + random.random() * (3.0 - 0.25)
    return max(0.25, random.random() * min(15.0, 1.0 * 2**attempt))


class Socket:
    """One recipient: notes when each message arrived, and keeps the chat's seq run."""

    def __init__(self, spec: dict, chat: bool, arrivals: dict, events: dict, created: dict):
        self.spec = spec
        self.chat = chat
        self.arrivals = arrivals  # key -> [count, latest arrival]
        self.ws = None
        self.last_seq = None  # the end of the contiguous run of seqs
        self.syncing = False
        self.seen: set[int] = set()
        self.ready = asyncio.Event()
        self.reconnected = 0
        self.attempts = 0  # failed in a row, as live.js counts them for its backoff
        self.back_at = None  # the ``ready`` after a reconnect
        self.refused: list[str] = []
        self.server_errors = 0
        self.events = events  # (kind, whole second) -> count: frames by type, opens, closes
        self.created = created  # client_id -> the message's created_at, as the server stored it

    def _note(self, kind: str) -> None:
        key = (kind, int(time.time()))
        self.events[key] = self.events.get(key, 0) + 1

    def _arrived(self, key: str) -> None:
        now = time.time()
        slot = self.arrivals.setdefault(key, [0, 0.0, now])
        slot[0] += 1
        slot[1] = max(slot[1], now)

    def _message(self, seq: int, client_id: str) -> bool:
        """Note a message; True when it shows a gap that no ``sync`` is filling yet.

        ``last_seq`` is the end of the contiguous run, as static/js/chat.js keeps
        it: a ``sync`` after the highest seq seen would skip what lies between."""
        if seq not in self.seen:
            self.seen.add(seq)
            self._arrived(client_id)
        if self.last_seq is None:
            return False
        while self.last_seq + 1 in self.seen:
            self.last_seq += 1
        return seq > self.last_seq + 1 and not self.syncing

    async def _sync(self) -> None:
        self.syncing = True
        await self.ws.send(json.dumps({"type": "sync", "after": self.last_seq}))

    async def run(self, reconnect: bool) -> None:
        while True:
            try:
                self.ws = await _open(self.spec["address"], self.spec["path"], self.spec["token"])
            except Exception as exc:  # a refused handshake (5xx) or the process still down
                status = getattr(getattr(exc, "response", None), "status_code", 0)
                self.server_errors += status >= 500
                self.refused.append(type(exc).__name__ + ": " + str(exc)[:80])
                self._note(f"refused:{type(exc).__name__}:{status or ''}")
                await asyncio.sleep(reconnect_delay(self.attempts))
                self.attempts += 1
                continue
            self._note("opened")
            if not self.chat:
                self.attempts = 0  # bare has no ``ready``: open is as far as it goes
            try:
                async for text in self.ws:
                    # The hot path of both stacks without a JSON parse: only the key,
                    # or the seq and client_id, of a message (bench/chat_room.py's own
                    # bodies hold no quotes). Everything else is parsed.
                    if not self.chat:
                        self._note("frame:relay")
                        self._arrived(text[9:-2] if text.startswith(BARE_PREFIX) else "")
                        continue
                    if text.startswith(MESSAGE_PREFIX):
                        self._note("frame:message")
                        client_id = CLIENT_ID.search(text)[1]
                        if client_id not in self.arrivals:  # the server's time, once per message
                            self.created[client_id] = CREATED.search(text)[1]
                        if self._message(int(SEQ.search(text)[1]), client_id):
                            await self._sync()
                        continue
                    frame = json.loads(text)
                    kind = frame.get("type")
                    if kind == "presence":
                        kind = "presence:" + ("list" if "online" in frame else "delta")
                    self._note("frame:" + str(kind))
                    if kind == "ready":
                        self.attempts = 0  # as live.js's healthy(): the backoff starts afresh
                        if self.reconnected:
                            self.back_at = time.time()
                        self.syncing = False  # a new socket: no answer is on its way
                        if self.last_seq is not None and frame["last_seq"] > self.last_seq:
                            await self._sync()
                        elif self.last_seq is None:
                            self.last_seq = frame["last_seq"]
                        self.ready.set()
                    elif kind in {"message", "history"}:
                        messages = [frame["message"]] if kind == "message" else frame["messages"]
                        gap = False
                        for message in messages:
                            gap = self._message(message["seq"], message["client_id"]) or gap
                        if kind == "history":
                            self.syncing = False
                            if frame["has_more"] or max(self.seen, default=0) > self.last_seq:
                                await self._sync()
                        elif gap:
                            await self._sync()
            except Exception:  # a lost connection: the reconnect below
                pass
            code = getattr(self.ws, "close_code", None)
            self._note(f"closed:{code}")
            if not reconnect:
                return
            self.reconnected += 1
            await asyncio.sleep(reconnect_delay(self.attempts))  # as static/js/live.js
            self.attempts += 1


async def _hold(specs, chat, control, results, senders: int, send_seconds: float):
    arrivals: dict[str, list] = {}
    events: dict[tuple[str, int], int] = {}
    created: dict[str, str] = {}
    sockets = [Socket(spec, chat, arrivals, events, created) for spec in specs]
    join_seconds = specs[0]["join_seconds"] if specs else 0
    tasks = []
    began = time.monotonic()
    for n, sock in enumerate(sockets):
        due = began + join_seconds * n / max(1, len(sockets))
        await asyncio.sleep(max(0, due - time.monotonic()))
        tasks.append(asyncio.ensure_future(sock.run(reconnect=sock.spec.get("reconnect", False))))
    deadline = time.monotonic() + 120
    # In: connected, and for the chat past its ``ready`` (the server's part of the join done).
    while time.monotonic() < deadline and sum(
        s.ws is not None and (s.ready.is_set() or not chat) for s in sockets
    ) < len(sockets):
        await asyncio.sleep(0.1)
    joined_after = time.monotonic() - began
    in_at_joined = sum(s.ws is not None and (s.ready.is_set() or not chat) for s in sockets)
    control.put(("joined", len(specs)))
    sent: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    if senders:
        await loop.run_in_executor(None, results["go"].wait)  # every process has joined
        counter = 0
        end = time.time() + send_seconds
        while time.time() < end:
            tick = time.time()
            for n, sock in enumerate(sockets[:senders]):
                if SEND_SPREAD:  # each sender at its own moment of the second, as people do
                    await asyncio.sleep(max(0, tick + n / senders - time.time()))
                counter += 1
                key = f"{secrets.token_hex(3)}-{counter}"
                sent[key] = time.time()
                frame = (
                    {"type": "message", "body": f"Nachricht {counter}", "client_id": key}
                    if chat
                    else {"key": key}
                )
                with contextlib.suppress(Exception):
                    await sock.ws.send(json.dumps(frame))
            await asyncio.sleep(max(0, tick + 1 - time.time()))
    # Wait for the parent's word to finish (it decides when the phase is over).
    await loop.run_in_executor(None, results["stop"].wait)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results["queue"].put(
        {
            "arrivals": arrivals,
            "created": created,
            "events": events,
            "joined_after": joined_after,
            "in_at_joined": in_at_joined,
            "sent": sent,
            "cpu": usage.ru_utime + usage.ru_stime,
            "reconnected": sum(s.reconnected for s in sockets),
            "back_at": [s.back_at for s in sockets if s.back_at],
            "server_errors": sum(s.server_errors for s in sockets),
            "refused": [r for s in sockets for r in s.refused],
            "last_seq": [s.last_seq for s in sockets],
            "gaps": sum(
                1
                for s in sockets
                if s.chat and s.seen and len(s.seen) != max(s.seen) - min(s.seen) + 1
            ),
        }
    )
    for task in tasks:
        task.cancel()
    for sock in sockets:
        if sock.ws is not None:
            with contextlib.suppress(Exception):
                await sock.ws.close()


def _load_process(specs, chat, control, queue, stop, go, senders, send_seconds):
    events = {"queue": queue, "stop": stop, "go": go}
    asyncio.run(_hold(specs, chat, control, events, senders, send_seconds))


class Load:
    """The load processes of one phase."""

    def __init__(self, specs, chat, processes, senders=0, send_seconds=0.0):
        context = multiprocessing.get_context("fork")
        self.control = context.Queue()
        self.queue = context.Queue()
        self.stop = context.Event()
        self.go = context.Event()
        shares = [specs[n::processes] for n in range(processes)]
        self.processes = [
            context.Process(
                target=_load_process,
                args=(
                    share,
                    chat,
                    self.control,
                    self.queue,
                    self.stop,
                    self.go,
                    senders if n == 0 else 0,
                    send_seconds,
                ),
                daemon=True,
            )
            for n, share in enumerate(shares)
        ]
        for process in self.processes:
            process.start()

    def wait_joined(self, settle: float = 5.0) -> None:
        """Until every socket is in; then, after the joins' presence frames settled, go."""
        for _ in self.processes:
            self.control.get(timeout=300)
        time.sleep(settle)
        self.go.set()

    def finish(self) -> list[dict]:
        self.stop.set()
        reports = [self.queue.get(timeout=300) for _ in self.processes]
        for process in self.processes:
            process.join(10)
        return reports


def specs_for(addresses, tokens, path, sockets, join_seconds, reconnect=False):
    return [
        {
            "address": addresses[n % len(addresses)],
            "path": path,
            "token": tokens[n],
            "join_seconds": join_seconds,
            "reconnect": reconnect,
            "process_index": n % len(addresses),
        }
        for n in range(sockets)
    ]


def merge(reports):
    arrivals: dict[str, list] = {}
    sent: dict[str, float] = {}
    for report in reports:
        sent.update(report["sent"])
        for key, (count, latest, first) in report["arrivals"].items():
            slot = arrivals.setdefault(key, [0, 0.0, first])
            slot[0] += count
            slot[1] = max(slot[1], latest)
            slot[2] = min(slot[2], first)
    return arrivals, sent


def stages(reports, arrivals, sent) -> dict:
    """Where a message's time went: until the server stored it (chat only, its
    ``created_at``), until the first recipient had it, until the last; and the
    slowest messages with their place in the run, to tell a stall from a backlog."""
    created: dict[str, float] = {}
    for report in reports:
        for key, stamp in report.get("created", {}).items():
            with contextlib.suppress(ValueError):
                created[key] = datetime.datetime.fromisoformat(stamp).timestamp()
    start = min(sent.values(), default=0.0)
    rows = []
    for key, at in sent.items():
        if key not in arrivals:
            continue
        _count, last, first = arrivals[key]
        rows.append(
            {
                "at": at - start,
                "stored": (created[key] - at) * 1000 if key in created else None,
                "first": (first - at) * 1000,
                "spread": (last - first) * 1000,
                "last": (last - at) * 1000,
            }
        )
    rows.sort(key=lambda r: r["last"])
    buckets: dict[int, float] = {}
    for row in rows:
        slot = int(row["at"] // 5) * 5
        buckets[slot] = max(buckets.get(slot, 0.0), row["last"])
    stored = [r["stored"] for r in rows if r["stored"] is not None]
    return {
        "stored_p50": pct(stored, 0.5) if stored else None,
        "stored_p99": pct(stored, 0.99) if stored else None,
        "first_p50": pct([r["first"] for r in rows], 0.5) if rows else None,
        "first_p99": pct([r["first"] for r in rows], 0.99) if rows else None,
        "spread_p50": pct([r["spread"] for r in rows], 0.5) if rows else None,
        "spread_p99": pct([r["spread"] for r in rows], 0.99) if rows else None,
        "slowest": rows[-8:],
        "worst_by_5s": buckets,
    }


# --- the scenarios --------------------------------------------------------------------------------
STACKS = {
    "bare": ("bench.bare_consumer:application", f"/ws/bare/{ROOM}/", False),
    "chat": ("config.asgi:application", f"/ws/chat/{ROOM}/", True),
}


def environment(name: str) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.chat_settings", PYTHONUNBUFFERED="1")
    env["DB_POOL_MAX_SIZE"] = env.get("DB_POOL_MAX_SIZE", "20")
    if name == "bare":
        env["BARE_CHANNEL_LAYER"] = "chat_rooms"  # the rooms' pub/sub layer, as the chat
    return env


def fanout(name, tokens, args):
    app, path, chat = STACKS[name]
    forget_groups()
    with contextlib.ExitStack() as stack:
        started = [stack.enter_context(daphne(app, environment(name))) for _ in range(2)]
        addresses = [a for a, _log, _pid in started]
        pids = [pid for _a, _log, pid in started]
        specs = specs_for(addresses, tokens, path, args.sockets, args.join_seconds)
        load = Load(specs, chat, args.load_processes, args.senders, args.seconds)
        load.wait_joined()
        cpu0 = sum(cpu_seconds(p) for p in pids)
        time.sleep(args.seconds + 10)  # sending, then draining
        reports = load.finish()
        cpu = sum(cpu_seconds(p) for p in pids) - cpu0
    arrivals, sent = merge(reports)
    timeline = stages(reports, arrivals, sent)
    last = [arrivals[k][1] - t for k, t in sent.items() if k in arrivals]
    lost = sum(args.sockets - arrivals.get(k, [0])[0] for k in sent)
    return {
        "messages": len(sent),
        "deliveries": sum(arrivals.get(k, [0])[0] for k in sent),
        "lost": lost,
        "p50": pct(last, 0.5) * 1000,
        "p99": pct(last, 0.99) * 1000,
        "daphne_cpu": cpu,
        "load_cpu": sum(r["cpu"] for r in reports),
        "stages": timeline,
        "joined_after": max(r["joined_after"] for r in reports),
        "in_at_joined": sum(r["in_at_joined"] for r in reports),
        "events": {
            k: v for k, v in idle_events(reports, 0, 2**40).items() if not k.startswith("frame:")
        },
    }


def redis_commands() -> int:
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        return int(client.info("stats")["total_commands_processed"])
    finally:
        client.close()


def redis_commandstats() -> dict[str, int]:
    """Commands so far by name (INFO commandstats): to attribute the idle traffic."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}


def monitor_sample(seconds: float) -> dict[str, int]:
    """What the bench's Redis database is asked for ``seconds`` (redis-cli MONITOR), by
    command and key pattern (numbers and channel names folded)."""
    import re

    url = urlparse(os.environ["REDIS_URL"])
    db = (url.path or "/0").lstrip("/") or "0"
    command = ["redis-cli", "-h", url.hostname, "-p", str(url.port or 6379), "MONITOR"]
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        time.sleep(seconds)
        process.terminate()
        process.wait(5)
        out.seek(0)
        lines = out.read().decode("utf-8", "replace").splitlines()
    counts: dict[str, int] = {}
    for raw in lines:
        match = re.match(r'^[\d.]+ \[(\d+) [^\]]*\] "([^"]+)"(?: "([^"]*)")?', raw)
        if not match or match.group(1) != db:
            continue
        name, key = match.group(2).upper(), match.group(3) or ""
        key = re.sub(r"![0-9A-Za-z]+", "!*", re.sub(r"\d+", "N", key))[:60]
        counts[f"{name} {key}"] = counts.get(f"{name} {key}", 0) + 1
    return counts


def idle_events(reports, t0: float, t1: float) -> dict[str, int]:
    """The load processes' opens, closes and frames by type within [t0, t1) (wall)."""
    found: dict[str, int] = {}
    for report in reports:
        for (kind, second), count in report["events"].items():
            if t0 <= second < t1:
                found[kind] = found.get(kind, 0) + count
    return dict(sorted(found.items()))


def heap_snapshot(pids: list[int], folder: Path, n: int) -> list[dict]:
    """Ask the daphne processes for a tracemalloc snapshot (bench/chat_settings.py)."""
    for pid in pids:
        os.kill(pid, signal.SIGUSR1)
    facts = []
    for pid in pids:
        done = folder / f"{pid}-{n}.json"
        deadline = time.monotonic() + 120
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.2)
        facts.append(json.loads(done.read_text()))
    return facts


def trimmed_rss(pids: list[int], folder: Path, census: dict | None = None) -> int:
    """The processes' resident size (KiB) once malloc_trim gave back what is free;
    with ``--census`` the objects by type are added up into ``census``."""
    total = 0
    for pid in pids:
        done = folder / f"{pid}.json"
        done.unlink(missing_ok=True)
        os.kill(pid, signal.SIGUSR2)
        deadline = time.monotonic() + 60
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.1)
        facts = json.loads(done.read_text())
        total += facts["rss_trimmed"]
        if census is not None:
            for kind, (count, size) in facts.get("census", {}).items():
                entry = census.setdefault(kind, [0, 0])
                entry[0] += count
                entry[1] += size
        print(f"  pid {pid}: {facts['send_buffered'] / 1024:.0f} KiB not yet sent to its sockets")
    return total


def heap_growth(pids: list[int], folder: Path, size: int, top: int = 15) -> None:
    """Print where the Python heap grew between the two snapshots, per socket."""
    import tracemalloc

    for pid in pids:
        before = tracemalloc.Snapshot.load(str(folder / f"{pid}-0.snapshot"))
        after = tracemalloc.Snapshot.load(str(folder / f"{pid}-1.snapshot"))
        stats = after.compare_to(before, "traceback")
        grown = sum(s.size_diff for s in stats)
        print(f"  pid {pid}: Python heap +{grown / 1024 / (size / 2):.1f} KiB per socket")
        for stat in stats[:top]:
            frames = " < ".join(
                f"{Path(f.filename).name}:{f.lineno}" for f in list(stat.traceback)[-1:-5:-1]
            )
            print(f"    {stat.size_diff / 1024:+9.0f} KiB {stat.count_diff:+7} blocks  {frames}")


async def _warm_up(addresses: list[str], path: str, tokens: list[str], chat: bool) -> None:
    """One socket per process joins and leaves: what a process sets up once, at its
    first socket (its database pool and threads, modules imported on first use,
    Redis pools), is then out of the per-socket figure (``--warm``)."""
    for address, token in zip(addresses, tokens, strict=False):
        ws = await _open(address, path, token)
        if chat:
            while "online" not in await asyncio.wait_for(ws.recv(), timeout=30):
                pass
        await ws.close()


def census_growth(before: dict, after: dict, size: int, top: int = 25) -> None:
    """Print which objects (by type) grew over the join, per socket (``--census``)."""
    rows = []
    for kind, (count, nbytes) in after.items():
        count0, nbytes0 = before.get(kind, (0, 0))
        rows.append((nbytes - nbytes0, count - count0, kind))
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    print(f"  objects tracked by the GC: {total / size / 1024:+.1f} KiB per socket (own sizes)")
    for nbytes, count, kind in rows[:top]:
        print(f"    {nbytes / size:+8.0f} B {count / size:+6.2f} per socket  {kind}")


def idle(name, tokens, size, args):
    app, path, chat = STACKS[name]
    forget_groups()
    env = environment(name)
    if args.malloc_arena_max:
        env["MALLOC_ARENA_MAX"] = str(args.malloc_arena_max)
    trim_folder = Path(tempfile.mkdtemp(prefix="bench-trim-"))
    env["BENCH_TRIM_DIR"] = str(trim_folder)
    census0, census1 = ({}, {}) if args.census else (None, None)
    if args.census:
        env["BENCH_CENSUS"] = "1"
    folder = None
    if args.tracemalloc:
        folder = Path(tempfile.mkdtemp(prefix="bench-heap-"))
        env.update(BENCH_TRACEMALLOC=str(args.tracemalloc), BENCH_TRACEMALLOC_DIR=str(folder))
    with contextlib.ExitStack() as stack:
        started = [stack.enter_context(daphne(app, env)) for _ in range(2)]
        addresses = [a for a, _log, _pid in started]
        pids = [pid for _a, _log, pid in started]
        time.sleep(2)
        if folder is not None:
            heap_snapshot(pids, folder, 0)
        rss0 = sum(rss_kib(p) for p in pids)
        trimmed0 = trimmed_rss(pids, trim_folder, census0)
        first = 0  # what the first socket of each process cost (``--warm``)
        if args.warm:
            before = sum(rss_kib(p) for p in pids)
            asyncio.run(_warm_up(addresses, path, tokens[-len(addresses) :], chat))
            time.sleep(3)  # its presence leave, the pool's first connections
            first = sum(rss_kib(p) for p in pids) - before
        specs = specs_for(addresses, tokens, path, size, 10.0)
        load = Load(specs, chat, args.load_processes)
        load.wait_joined()
        time.sleep(3)  # the joins' presence frames settle
        stats0, wall0 = redis_commandstats(), time.time()
        cpu0, redis0, t0 = sum(cpu_seconds(p) for p in pids), redis_commands(), time.monotonic()
        sample = {}
        if args.monitor:
            time.sleep(max(0.0, args.idle_seconds / 2 - args.monitor / 2))
            sample = monitor_sample(args.monitor)
        time.sleep(max(0.0, args.idle_seconds - (time.monotonic() - t0)))
        elapsed = time.monotonic() - t0
        cpu = sum(cpu_seconds(p) for p in pids) - cpu0
        commands = redis_commands() - redis0
        stats1, wall1 = redis_commandstats(), time.time()
        rss = sum(rss_kib(p) for p in pids) - rss0
        trimmed = trimmed_rss(pids, trim_folder, census1) - trimmed0
        if args.census:
            census_growth(census0, census1, size)
        if folder is not None:
            facts = heap_snapshot(pids, folder, 1)
            traced = sum(f["rss_trimmed"] for f in facts) - rss0
            print(f"  {name} {size}: after malloc_trim {traced / size:.1f} KiB per socket")
            heap_growth(pids, folder, size)
        reports = load.finish()
    by_command = {
        name: (stats1.get(name, 0) - stats0.get(name, 0)) / elapsed
        for name in stats1
        if stats1.get(name, 0) - stats0.get(name, 0) > 0
    }
    return {
        "size": size,
        "joined_after": max(r["joined_after"] for r in reports),
        "in_at_joined": sum(r["in_at_joined"] for r in reports),
        "events": idle_events(reports, int(wall0) + 1, int(wall1)),
        "join_events": idle_events(reports, 0, int(wall0) + 1),
        "window": int(wall1) - int(wall0) - 1,
        "by_command": dict(sorted(by_command.items(), key=lambda kv: -kv[1])),
        "monitor": dict(sorted(sample.items(), key=lambda kv: -kv[1])[:12]),
        "cpu_per_minute": cpu * 60 / elapsed,
        "redis_per_second": commands / elapsed,
        "kib_per_socket": rss / size,
        "kib_warm": (rss - first) / size,
        "kib_first": first / len(pids),
        "kib_trimmed": trimmed / size,
        "load_cpu": sum(r["cpu"] for r in reports),
    }


def pg_connections(database: str) -> int:
    import psycopg

    admin = urlparse(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [database]
        ).fetchone()[0]


def restart(tokens, args):
    app, path, chat = STACKS["chat"]
    database = urlparse(os.environ["DATABASE_URL"]).path.lstrip("/")
    forget_groups()
    env = environment("chat")
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(daphne(app, env))
        second = daphne(app, env)
        second_started = second.__enter__()
        addresses = [first[0], second_started[0]]
        # ``--restart-sockets`` on the restarted process, as many on the other one.
        specs = specs_for(
            addresses, tokens, path, 2 * args.restart_sockets, args.join_seconds, reconnect=True
        )
        load = Load(specs, chat, args.load_processes, args.senders, args.seconds)
        load.wait_joined()
        time.sleep(10)  # messages flow
        port = int(second_started[0].rsplit(":", 1)[1])
        stopped_at, stopped_wall = time.monotonic(), time.time()
        second.__exit__(None, None, None)  # the restart: stop the process ...
        log = stack.enter_context(open(ROOT / "var" / "bench-daphne-restarted.log", "w"))
        restarted = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                *deploy_options(),
                app,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # ... and start it again on the same port
        stack.callback(restarted.terminate)
        most_connections = 0
        while time.monotonic() - stopped_at < args.seconds:
            most_connections = max(most_connections, pg_connections(database))
            time.sleep(0.5)
        time.sleep(10)  # the last messages arrive
        reports = load.finish()
    arrivals, sent = merge(reports)
    missing = sum(2 * args.restart_sockets - arrivals.get(k, [0])[0] for k in sent)
    back = [t - stopped_wall for r in reports for t in r["back_at"]]
    return {
        "back": len(back),
        "all_back_after": max(back, default=float("nan")),
        "server_errors": sum(r["server_errors"] for r in reports),
        "reconnected": sum(r["reconnected"] for r in reports),
        "refused": [x for r in reports for x in r["refused"]][:5],
        "refused_count": sum(len(r["refused"]) for r in reports),
        "gaps": sum(r["gaps"] for r in reports),
        "missing": missing,
        "messages": len(sent),
        "most_pg_connections": most_connections,
        "load_cpu": sum(r["cpu"] for r in reports),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument(
        "--restart-sockets",
        type=int,
        default=1000,
        help="restart: sockets on the restarted process, as many on the other (issue: 1,000)",
    )
    parser.add_argument("--senders", type=int, default=5)
    parser.add_argument(
        "--send",
        choices=["spread", "together"],
        default="spread",
        help="senders each at its own moment of the second, or all at once",
    )
    parser.add_argument("--seconds", type=float, default=60, help="sending, per stack")
    parser.add_argument("--join-seconds", type=float, default=20)
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument("--idle-sizes", default="500,1000,2000")
    parser.add_argument("--load-processes", type=int, default=4)
    parser.add_argument("--scenario", default="fanout,idle,restart")
    parser.add_argument("--stacks", default="bare,chat")
    parser.add_argument(
        "--malloc-arena-max", type=int, default=0, help="MALLOC_ARENA_MAX for both stacks"
    )
    parser.add_argument(
        "--monitor",
        type=float,
        default=0,
        metavar="SECONDS",
        help="idle: sample the bench's Redis db with MONITOR this long (diagnosis)",
    )
    parser.add_argument(
        "--tracemalloc",
        type=int,
        default=0,
        metavar="FRAMES",
        help="idle: where the Python heap grew (diagnosis; slows daphne, inflates RSS)",
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="idle: also the growth after one socket per process joined and left",
    )
    parser.add_argument(
        "--census",
        action="store_true",
        help="idle: the objects by type that grew over the join, per socket (diagnosis)",
    )
    args = parser.parse_args()
    global SEND_SPREAD
    SEND_SPREAD = args.send == "spread"
    sizes = [int(s) for s in args.idle_sizes.split(",") if s.strip()]
    stacks = [s.strip() for s in args.stacks.split(",") if s.strip() in STACKS]
    if not 1 <= args.sockets <= MAX_SOCKETS or any(not 1 <= s <= MAX_SOCKETS for s in sizes):
        parser.error(f"1..{MAX_SOCKETS} sockets")
    for url in (os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")):
        if urlparse(url).hostname not in {"127.0.0.1", "localhost"}:
            parser.error("DATABASE_URL and REDIS_URL must point to 127.0.0.1")
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # daphne and the load inherit it
    ensure_database(os.environ["DATABASE_URL"])
    tokens, _slugs = prepare(max([args.sockets, 2 * args.restart_sockets, *sizes]), 1)
    print(
        f"{args.sockets} sockets in one room over 2 daphne processes, {args.load_processes} "
        f"load processes, senders {args.send}; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    scenarios = {s.strip() for s in args.scenario.split(",")}
    if "fanout" in scenarios:
        found = {}
        for name in stacks:
            found[name] = r = fanout(name, tokens, args)
            print(
                f"fanout {name:4}: {r['messages']} messages, {r['deliveries']} deliveries, "
                f"lost {r['lost']}; until the last recipient p50 {r['p50']:.0f} ms, "
                f"p99 {r['p99']:.0f} ms; daphne CPU {r['daphne_cpu']:.1f} s, "
                f"load processes' CPU {r['load_cpu']:.1f} s; "
                f"load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            print(
                f"  joined after {r['joined_after']:.1f} s ({r['in_at_joined']} in); "
                f"handshakes {r['events']}",
                flush=True,
            )
            t = r["stages"]

            def ms(value):
                return "–" if value is None else f"{value:.0f}"

            print(
                f"  stages p50/p99 ms: stored {ms(t['stored_p50'])}/{ms(t['stored_p99'])}, "
                f"first recipient {ms(t['first_p50'])}/{ms(t['first_p99'])}, "
                f"first to last {ms(t['spread_p50'])}/{ms(t['spread_p99'])}",
                flush=True,
            )
            print(
                "  worst per 5 s (ms): "
                + " ".join(f"{k}s:{v:.0f}" for k, v in sorted(t["worst_by_5s"].items())),
                flush=True,
            )
            for row in t["slowest"][-4:]:
                print(
                    f"  slow: at {row['at']:.1f} s, stored {ms(row['stored'])}, "
                    f"first {ms(row['first'])}, spread {ms(row['spread'])} ms",
                    flush=True,
                )
        if {"bare", "chat"} <= set(found):
            print(f"fanout chat/bare p99 {found['chat']['p99'] / found['bare']['p99']:.2f}×")
    if "idle" in scenarios:
        for size in sizes:
            found = {name: idle(name, tokens, size, args) for name in stacks}
            for name, r in found.items():
                print(
                    f"idle {size:5} {name:4}: daphne CPU {r['cpu_per_minute']:.2f} s per minute, "
                    f"Redis {r['redis_per_second']:.0f} commands/s, "
                    f"{r['kib_per_socket']:.1f} KiB per socket "
                    f"({r['kib_trimmed']:.1f} after malloc_trim); "
                    f"load processes' CPU {r['load_cpu']:.1f} s",
                    flush=True,
                )
                print(
                    f"  joined after {r['joined_after']:.1f} s ({r['in_at_joined']} in); "
                    f"during {r['window']} s of idling the clients saw {r['events'] or 'nothing'}",
                    flush=True,
                )
                if args.warm:
                    print(
                        f"  after one socket per process: {r['kib_warm']:.1f} KiB per socket; "
                        f"the first socket of a process {r['kib_first'] / 1024:.1f} MiB",
                        flush=True,
                    )
                print(f"  while joining: {r['join_events']}", flush=True)
                by = ", ".join(f"{k} {v:.1f}" for k, v in r["by_command"].items())
                print(f"  Redis commands/s by name: {by or '-'}", flush=True)
                if r["monitor"]:
                    print(f"  MONITOR sample ({args.monitor} s): {r['monitor']}", flush=True)
            if len(found) == 2:
                chat, bare = found["chat"], found["bare"]
                ratio = chat["kib_per_socket"] / max(bare["kib_per_socket"], 0.1)
                trimmed = chat["kib_trimmed"] / max(bare["kib_trimmed"], 0.1)
                warm = chat["kib_warm"] / max(bare["kib_warm"], 0.1)
                print(
                    f"idle {size:5} chat/bare memory per socket {ratio:.2f}× "
                    f"(after malloc_trim {trimmed:.2f}×"
                    + (f"; after one socket per process {warm:.2f}×)" if args.warm else ")")
                )
    if "restart" in scenarios:
        r = restart(tokens, args)
        print(
            f"restart ({args.restart_sockets} sockets on the restarted process, as many on "
            f"the other): {r['back']} sockets back, "
            f"the last {r['all_back_after']:.1f} s after the "
            f"stop; {r['refused_count']} attempts refused (the process starting; HTTP 5xx: "
            f"{r['server_errors']}), e.g. {r['refused'][:1]}; "
            f"sockets with a gap {r['gaps']}, deliveries missing {r['missing']} "
            f"of {r['messages']} messages, most PostgreSQL connections {r['most_pg_connections']}; "
            f"load processes' CPU {r['load_cpu']:.1f} s",
            flush=True,
        )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
