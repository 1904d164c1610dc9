"""Load test of the chat against the bare Channels stack, in one run.

N real WebSocket clients (the ``websockets`` library) in R rooms send at a
fixed total delivery rate, first to a bare re-broadcasting consumer
(bench/bare_consumer.py: the stack's ceiling), then to the chat
(config.asgi:application: auth, validation, rate limit, storage in
PostgreSQL, broadcast on commit). Both get the same clients, rooms, rates and
number of daphne processes (``--processes``, clients spread round robin, so
rooms span processes through channels_redis). ``--step-up`` adds further
rates on the same sockets to find each stack's ceiling. Printed per rate:
deliveries per second, latency p50/p95/p99 (send to receipt, every delivery,
the sender's echo included), for the chat how many deliveries the layer
dropped and ``sync`` recovered and how many are missing at the end (must be
0), the ratios chat/bare, and the load average before and after.

The one line (a database of its own, created and migrated if missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_chat_bench \\
    REDIS_URL=redis://127.0.0.1:6379/1 \\
    .venv/bin/python bench/chat_load.py --rate 2000 --step-up 500,1000,1500,3000

(defaults: 200 clients, 20 rooms, 10 s per rate, 2 daphne processes per
stack, a connection pool of 20 per process). Bounded: at most 1,000 clients and 120 seconds
of sending per stack, on 127.0.0.1 only. The database gets bench members and
rooms (``bench-…``), emptied at every start.
"""

import argparse
import asyncio
import contextlib
import datetime
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.chat_settings")

MAX_CLIENTS = 1000
MAX_SECONDS = 120


# --- set-up ---------------------------------------------------------------------------------
def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(clients: int, rooms: int) -> tuple[list[str], list[str]]:
    """Members with tokens and open rooms, made through the services; reused next time."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from chat import services as chat_services
    from chat.models import Message, Room, RoomKind
    from community import services
    from community.models import Municipality, User

    municipality = Municipality.objects.filter(slug="bench").first() or (
        services.municipality_create(
            name="Bench", slug="bench", state="HE", email_domains=["bench.example"]
        )
    )
    tokens = []
    for n in range(clients):
        email = f"bench-{n}@bench.example"
        user = User.objects.filter(email=email).first() or services.member_create(
            email=email, display_name=f"Bench {n}", municipality=municipality, password=None
        )
        tokens.append(services.member_token(member=user))
    slugs = []
    for r in range(rooms):
        slug = f"bench-{r}"
        if not Room.objects.filter(slug=slug).exists():
            chat_services.room_create(
                created_by=None, name=f"Bench {r}", kind=RoomKind.NETWORK, slug=slug
            )
        slugs.append(slug)
    # Every run starts with empty rooms, so seq starts at 1 for the loss check.
    Message.objects.filter(room__slug__in=slugs).delete()
    Room.objects.filter(slug__in=slugs).update(last_seq=0)
    from django.db import connection, connections

    # The deleted rows would slow the unique-index checks of the first phases
    # until autovacuum comes by; every run starts from clean tables.
    with connection.cursor() as cursor:
        for table in ("chat_message", "chat_room", "chat_roommembership", "chat_ratebucket"):
            cursor.execute(f"VACUUM ANALYZE {table}")

    connections.close_all()
    return tokens, slugs


def forget_groups() -> None:
    """Drop the bench layer's groups and queues: a stopped daphne leaves its
    channels in the groups (for a day), and group_send would still feed them."""
    import redis
    from django.conf import settings

    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    client.close()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def deploy_options() -> list[str]:
    """daphne's options as the systemd unit gives them (timeouts, pings, frame
    sizes), without its address and application: the bench runs what production runs."""
    import re
    import shlex

    unit = (ROOT / "docs" / "deploy" / "lotsennetz-daphne@.service").read_text(encoding="utf-8")
    argv = shlex.split(re.search(r"^ExecStart=(.*)$", unit, flags=re.M).group(1))[1:-1]
    options, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in {"--bind", "--port"}:
            skip = True
        else:
            options.append(arg)
    return options


@contextlib.contextmanager
def daphne(app: str, env: dict):
    port = free_port()
    log_path = ROOT / "var" / f"bench-daphne-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w+") as log:
        process = subprocess.Popen(
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
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"daphne exited:\n{log.read()}")
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", port), 0.2),
                ):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("daphne did not start")
                time.sleep(0.1)
            yield f"127.0.0.1:{port}", log_path, process.pid
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


# --- clients -------------------------------------------------------------------------------------
class Stats:
    def __init__(self):
        self.latencies: list[float] = []
        # The chat's delivery split in stages (wall clock; the message's created_at
        # is taken on the server just before its SQL statement):
        self.to_server: list[float] = []  # sent -> created_at: loop, parse, rate limit, render
        self.from_server: list[float] = []  # created_at -> received: SQL, doorbell, delivery
        self.held: list[float] = []  # arrived past a gap, waited for the earlier seq
        self.received = 0
        self.recovered = 0
        self.errors: dict[str, int] = {}


GAP_WAIT = 1.0  # as chat.js: a gap gets this long to close before ``sync`` is asked


class Client:
    """One socket. For the chat it keeps the contiguous seq run as chat.js does:
    starts at the ``ready`` frame's last_seq, holds messages past a gap for
    GAP_WAIT seconds (doorbells of two processes overtake each other), then syncs."""

    def __init__(self, ws, name: str, chat: bool, stats: Stats):
        self.ws = ws
        self.name = name
        self.chat = chat
        self.stats = stats
        self.last_seq = None
        self.early: dict[int, dict] = {}
        self.gap_timer: asyncio.TimerHandle | None = None
        self.syncing = False
        self.counter = itertools.count()

    async def send_one(self):
        stamp, wall = time.perf_counter(), time.time()
        client_id = f"{self.name}-{next(self.counter)}"
        body = f"{client_id} {stamp!r} {wall!r}"
        frame = {"type": "message", "body": body, "client_id": client_id}
        await self.ws.send(json.dumps(frame))

    def _record(self, body: str, now: float):
        self.stats.latencies.append(now - float(body.split()[1]))
        self.stats.received += 1

    def _record_stages(self, message: dict, arrived_wall: float):
        created = datetime.datetime.fromisoformat(message["created_at"]).timestamp()
        self.stats.to_server.append(created - float(message["body"].split()[2]))
        self.stats.from_server.append(arrived_wall - created)

    def _accept(self, message: dict, now: float, recovered: bool) -> None:
        if self.last_seq is None or message["seq"] <= self.last_seq:
            return
        if message["seq"] != self.last_seq + 1:
            if not recovered:
                self.early[message["seq"]] = (message, now)
                self._record_stages(message, time.time())
            return
        self.last_seq = message["seq"]
        self.stats.recovered += recovered
        self._record(message["body"], now)
        if not recovered:
            self._record_stages(message, time.time())
        while self.last_seq + 1 in self.early:
            self.last_seq += 1
            held, arrived = self.early.pop(self.last_seq)
            self._record(held["body"], now)
            self.stats.held.append(now - arrived)
        for seq in [s for s in self.early if s <= self.last_seq]:
            del self.early[seq]
        if not self.early and self.gap_timer is not None:  # closed by itself
            self.gap_timer.cancel()
            self.gap_timer = None

    async def _sync(self):
        if not self.syncing:
            self.syncing = True
            await self.ws.send(json.dumps({"type": "sync", "after": self.last_seq}))

    def _gap_check(self):
        self.gap_timer = None
        if self.early:
            self.sync_task = asyncio.ensure_future(self._sync())

    async def read(self):
        async for text in self.ws:
            now = time.perf_counter()
            frame = json.loads(text)
            kind = frame.get("type")
            if not self.chat:  # the bare consumer relays our own frame format
                self._record(frame["body"], now)
            elif kind == "ready":
                self.last_seq = frame["last_seq"]
            elif kind == "message":
                self._accept(frame["message"], now, recovered=False)
                if self.early and self.gap_timer is None:
                    self.gap_timer = asyncio.get_running_loop().call_later(
                        GAP_WAIT, self._gap_check
                    )
            elif kind == "history":
                self.syncing = False
                for message in frame["messages"]:
                    self._accept(message, now, recovered=True)
                if frame["has_more"]:
                    await self._sync()
            elif kind == "error":
                self.stats.errors[frame["code"]] = self.stats.errors.get(frame["code"], 0) + 1

    async def final_sync(self):
        if self.chat and self.last_seq is not None:
            self.syncing = False
            await self._sync()


async def connect_all(addresses, path_for, tokens, slugs, chat, stats) -> list[Client]:
    """Every client in its room, spread over the daphne processes round robin."""
    import secrets

    import websockets

    run_id = secrets.token_hex(4)  # client_ids of an earlier run would be answered, not stored
    clients = []
    for n, token in enumerate(tokens):
        slug, address = slugs[n % len(slugs)], addresses[n % len(addresses)]
        ws = await websockets.connect(
            f"ws://{address}{path_for(slug)}",
            additional_headers={"Authorization": f"Token {token}"},
            origin=f"http://{address}",
            max_queue=None,
            ping_interval=None,
        )
        clients.append(Client(ws, f"{run_id}-c{n}", chat, stats))
    return clients


async def phase(clients, stats, rooms, rate, seconds, chat, pids, final_sync=True) -> dict:
    """Send at ``rate`` deliveries per second for ``seconds``, then drain and count."""
    for samples in (stats.latencies, stats.to_server, stats.from_server, stats.held):
        samples.clear()
    stats.received = 0
    stats.recovered = 0
    stats.errors.clear()
    per_room = len(clients) // rooms
    messages_per_second = rate / per_room  # every message reaches everyone in its room
    interval = 1.0 / messages_per_second
    sent = 0
    cpu_start = sum(cpu_seconds(pid) for pid in pids)
    start = time.perf_counter()
    order = itertools.cycle(clients)
    while True:
        due = start + sent * interval
        now = time.perf_counter()
        if now - start >= seconds:
            break
        if due > now:
            await asyncio.sleep(due - now)
        await next(order).send_one()
        sent += 1
    send_end = time.perf_counter()
    expected = sent * per_room
    deadline = send_end + 15
    while stats.received < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
    drained = time.perf_counter()
    delivered_live = stats.received
    # daphne's own CPU per delivery while sending and draining: robust against a busy machine
    cpu_ms = (sum(cpu_seconds(pid) for pid in pids) - cpu_start) * 1000 / max(delivered_live, 1)
    if chat and final_sync:  # what the doorbell missed at the very end
        for client in clients:
            await client.final_sync()
        settle = time.perf_counter() + 10
        while stats.received < expected and time.perf_counter() < settle:
            await asyncio.sleep(0.05)
    lat = sorted(stats.latencies)

    def pct(p, samples=lat):
        return (
            samples[min(len(samples) - 1, int(len(samples) * p))] * 1000
            if samples
            else float("nan")
        )

    stages = {
        name: (pct(0.5, sorted(samples)), pct(0.99, sorted(samples)), len(samples))
        for name, samples in [
            ("to server", stats.to_server),
            ("from server", stats.from_server),
            ("held for order", stats.held),
        ]
    }

    return {
        "sent": sent,
        "expected": expected,
        "received": stats.received,
        "lost": expected - stats.received,
        "recovered_by_sync": stats.recovered,
        "throughput": delivered_live / (drained - start),
        "offered": expected / (send_end - start),
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "mean": statistics.fmean(lat) * 1000 if lat else float("nan"),
        "errors": dict(stats.errors),
        "cpu_ms": cpu_ms,
        "stages": stages if chat else {},
    }


async def run(addresses, path_for, tokens, slugs, rate, seconds, chat, pids) -> dict:
    """One rate against freshly started processes with fresh sockets."""
    stats = Stats()
    clients = await connect_all(addresses, path_for, tokens, slugs, chat, stats)
    readers = [asyncio.ensure_future(c.read()) for c in clients]
    await asyncio.sleep(1.0)  # ready and presence frames settle
    try:
        # Warm-up, not counted: each process's worker threads open their database
        # connections and build their Markdown renderer once; steady state is measured.
        await phase(clients, stats, len(slugs), min(rate, 500), 2, chat, pids, final_sync=False)
        await asyncio.sleep(1.0)
        return await phase(clients, stats, len(slugs), rate, seconds, chat, pids)
    finally:
        for reader in readers:
            reader.cancel()
        for client in clients:
            await client.ws.close()


def report(name, result):
    print(
        f"{name:7} offered {result['offered']:7.0f}/s  delivered {result['throughput']:7.0f}/s  "
        f"p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  p99 {result['p99']:7.1f} ms  "
        f"received {result['received']}/{result['expected']}  missing at the end {result['lost']}  "
        f"recovered by sync {result['recovered_by_sync']}  errors {result['errors']}  "
        f"daphne CPU {result['cpu_ms']:.2f} ms per delivery",
        flush=True,
    )
    for stage, (p50, p99, n) in result.get("stages", {}).items():
        print(f"        {stage:15}  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  ({n} deliveries)")


def report_trace(trace_dir: Path) -> None:
    """Server stages from bench/chat_traced.py (warm-up included), wall clock."""
    posts, delivered, collections = {}, [], {}
    for path in trace_dir.glob("*.tsv"):
        for line in path.read_text().splitlines():
            kind, client_id, *stamps = line.split("\t")
            if kind == "post":
                posts[client_id] = [float(s) for s in stamps]
            elif kind == "gc":  # client_id: the generation collected
                start, stop = (float(s) for s in stamps)
                collections.setdefault(client_id, []).append(stop - start)
            elif client_id:
                delivered.append((client_id, float(stamps[0]), float(stamps[1])))
    stages = {
        "post (in→stored)": [stored - received for received, stored, _ in posts.values()],
        "doorbell sent": [rung - stored for _, stored, rung in posts.values()],
        "layer (sent→taken)": [taken - posts[c][2] for c, taken, _sent in delivered if c in posts],
        "frame written": [sent - taken for _c, taken, sent in delivered],
    }
    for stage, samples in stages.items():
        samples.sort()
        if samples:
            p50 = samples[len(samples) // 2] * 1000
            p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000
            print(
                f"        server {stage:20}  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  ({len(samples)})"
            )
    for generation, pauses in sorted(collections.items()):
        print(
            f"        gc generation {generation}: {len(pauses)} collections,"
            f" longest {max(pauses) * 1000:.1f} ms, together {sum(pauses) * 1000:.0f} ms"
        )


def ceiling(results) -> float:
    """The highest delivery rate that kept up: ≥ 95 % of the offer, nothing missing."""
    kept = [
        r["throughput"] for r in results if r["throughput"] >= 0.95 * r["offered"] and not r["lost"]
    ]
    return max(kept, default=0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--rate", type=float, default=2000, help="deliveries per second")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--step-up",
        default="",
        help="further rates (comma-separated deliveries/s) run after --rate on the same "
        "sockets, to find each stack's ceiling, e.g. 500,1000,1500,3000",
    )
    parser.add_argument("--processes", type=int, default=2, help="daphne processes per stack")
    parser.add_argument(
        "--trace",
        action="store_true",
        help="serve the chat through bench/chat_traced.py and print the server's stages",
    )
    parser.add_argument(
        "--pool",
        default=os.environ.get("DB_POOL_MAX_SIZE", "20"),
        help="DB_POOL_MAX_SIZE of each daphne process (0: no pool, then --conn-max-age)",
    )
    parser.add_argument("--conn-max-age", default=os.environ.get("DB_CONN_MAX_AGE", "0"))
    parser.add_argument(
        "--rounds", type=int, default=1, help="run all stacks this many times, alternating"
    )
    parser.add_argument(
        "--no-pubsub-bare",
        action="store_true",
        help="skip the second bare run (bare-ps) on the rooms' pub/sub layer",
    )
    args = parser.parse_args()
    if not 1 <= args.clients <= MAX_CLIENTS or not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"1..{MAX_CLIENTS} clients, up to {MAX_SECONDS} seconds")
    if args.clients % args.rooms:
        parser.error("clients must be a multiple of rooms")
    if not 1 <= args.processes <= 8:
        parser.error("1..8 daphne processes")
    rates = [args.rate] + [float(r) for r in args.step_up.split(",") if r.strip()]
    if not 1 <= args.rounds <= 10:
        parser.error("1..10 rounds")
    if len(rates) * args.seconds * args.rounds > MAX_SECONDS:
        parser.error(f"at most {MAX_SECONDS} seconds of sending per stack")
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    for url in (database_url, redis_url):
        if urlparse(url).hostname not in {"127.0.0.1", "localhost"}:
            parser.error("DATABASE_URL and REDIS_URL must point to 127.0.0.1")
    ensure_database(database_url)
    tokens, slugs = prepare(args.clients, args.rooms)
    # The measuring process holds Django too: keep its own full collections
    # (50-150 ms over that heap) out of the latencies it measures.
    from config.runtime import settle_heap

    settle_heap()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.chat_settings", PYTHONUNBUFFERED="1")
    env["DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    env["DB_POOL_MAX_SIZE"] = str(args.pool)
    print(
        f"{args.clients} clients in {args.rooms} rooms, {args.seconds:.0f} s per rate; "
        f"{args.processes} daphne process(es) per stack; DB_POOL_MAX_SIZE={args.pool}, "
        f"DB_CONN_MAX_AGE={args.conn_max_age}; "
        f"{os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results = {}
    bare = ("bench.bare_consumer:application", lambda s: f"/ws/bare/{s}/", False)
    stacks = [("bare", *bare)]
    if not args.no_pubsub_bare:
        # The bare consumer once more, on the layer the chat's rooms use (pub/sub).
        stacks.append(("bare-ps", *bare))
    stacks.append(
        (
            "chat",
            "bench.chat_traced:application" if args.trace else "config.asgi:application",
            lambda s: f"/ws/chat/{s}/",
            True,
        )
    )
    # Rounds alternate the stacks, so that a neighbour's load on this shared
    # machine falls on all of them alike rather than on whichever ran then.
    runs = [(round_, *stack) for round_ in range(args.rounds) for stack in stacks]
    for round_, name, app, path_for, chat in runs:
        results.setdefault(name, [])
        if args.rounds > 1 and name == stacks[0][0]:
            print(f"round {round_ + 1} of {args.rounds}", flush=True)
        for rate in rates:
            forget_groups()
            trace_dir = ROOT / "var" / "chat-trace"
            if args.trace and chat:
                shutil.rmtree(trace_dir, ignore_errors=True)
                trace_dir.mkdir(parents=True)
                env["CHAT_TRACE_DIR"] = str(trace_dir)
            env.pop("BARE_CHANNEL_LAYER", None)
            if name == "bare-ps":
                env["BARE_CHANNEL_LAYER"] = "chat_rooms"
            with contextlib.ExitStack() as stack:
                started = [stack.enter_context(daphne(app, env)) for _ in range(args.processes)]
                addresses = [address for address, _log, _pid in started]
                pids = [pid for _address, _log, pid in started]
                result = asyncio.run(
                    run(addresses, path_for, tokens, slugs, rate, args.seconds, chat, pids)
                )
            results[name].append(result)
            report(name, result)
            if args.trace and chat:
                report_trace(trace_dir)
            over = sum(log.read_text().count("over capacity") for _address, log, _pid in started)
            if over:
                print(f"        channels_redis logged 'over capacity' {over} times")
            print(f"        load average now {os.getloadavg()[0]:.1f}", flush=True)
    for name in (n for n in results if n != "chat"):
        for bare, chat in zip(results[name], results["chat"], strict=True):
            print(
                f"ratio to {name} at {bare['offered']:.0f}/s offered: throughput "
                f"{chat['throughput'] / bare['throughput']:.0%}, "
                f"p99 {chat['p99'] / bare['p99']:.2f}×, chat missing at the end {chat['lost']}"
            )
    if args.rounds > 1:
        for n, rate in enumerate(rates):
            p99 = {
                name: statistics.median(r["p99"] for r in found[n :: len(rates)])
                for name, found in results.items()
            }
            print(
                f"median over {args.rounds} rounds at {rate:.0f}/s: p99 "
                + ", ".join(f"{name} {value:.1f} ms" for name, value in p99.items())
                + "; chat/"
                + ", chat/".join(
                    f"{name} {p99['chat'] / value:.2f}×"
                    for name, value in p99.items()
                    if name != "chat"
                )
            )
    if len(rates) > 1:
        print(
            "ceiling (≥ 95 % of the offer delivered, nothing missing): "
            + ", ".join(f"{name} {ceiling(found):.0f}/s" for name, found in results.items())
        )


if __name__ == "__main__":
    main()
