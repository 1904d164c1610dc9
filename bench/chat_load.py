"""Load test of the chat against the bare Channels stack, in one run.

N real WebSocket clients (the ``websockets`` library) in R rooms send at a
fixed total delivery rate, first to a bare re-broadcasting consumer
(bench/bare_consumer.py: the stack's ceiling), then to the chat
(config.asgi:application: auth, validation, rate limit, storage in
PostgreSQL, broadcast on commit). Each runs in its own daphne process with
channels_redis. Printed: deliveries per second, latency p50/p95/p99 (send to
receipt, every delivery, the sender's echo included), and for the chat how
many deliveries the layer dropped and ``sync`` recovered, and how many are
lost for good (must be 0).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_chat_bench \\
    REDIS_URL=redis://127.0.0.1:6379/1 \\
    .venv/bin/python bench/chat_load.py --clients 200 --rooms 20 --rate 2000 --seconds 10

Bounded: at most 1,000 clients and 120 seconds of sending, on 127.0.0.1 only.
The database named in DATABASE_URL is created if missing, migrated, and gets
bench members and rooms (``bench-…``); use a database of its own.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import os
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
    from django.db import connections

    connections.close_all()
    return tokens, slugs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def daphne(app: str, env: dict):
    port = free_port()
    log_path = ROOT / "var" / f"bench-daphne-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "--bind", "127.0.0.1", "--port", str(port), app],
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
            yield f"127.0.0.1:{port}", log_path
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
        self.received = 0
        self.recovered = 0
        self.errors: dict[str, int] = {}


class Client:
    """One socket. For the chat it keeps the contiguous seq run as chat.js does."""

    def __init__(self, ws, name: str, chat: bool, stats: Stats):
        self.ws = ws
        self.name = name
        self.chat = chat
        self.stats = stats
        self.last_seq = 0
        self.seen_bare: set[str] = set()
        self.syncing = False
        self.counter = itertools.count()

    async def send_one(self):
        stamp = time.perf_counter()
        client_id = f"{self.name}-{next(self.counter)}"
        body = f"{client_id} {stamp!r}"
        frame = {"type": "message", "body": body, "client_id": client_id}
        await self.ws.send(json.dumps(frame))

    def _record(self, body: str, now: float):
        self.stats.latencies.append(now - float(body.split()[1]))
        self.stats.received += 1

    async def read(self):
        async for text in self.ws:
            now = time.perf_counter()
            frame = json.loads(text)
            kind = frame.get("type")
            if not self.chat:  # the bare consumer relays our own frame format
                self.seen_bare.add(frame["client_id"])
                self._record(frame["body"], now)
            elif kind == "message":
                message = frame["message"]
                if message["seq"] == self.last_seq + 1:
                    self.last_seq = message["seq"]
                    self._record(message["body"], now)
                elif message["seq"] > self.last_seq + 1 and not self.syncing:
                    self.syncing = True
                    await self.ws.send(json.dumps({"type": "sync", "after": self.last_seq}))
            elif kind == "history":
                self.syncing = False
                for message in frame["messages"]:
                    if message["seq"] == self.last_seq + 1:
                        self.last_seq = message["seq"]
                        self.stats.recovered += 1
                        self._record(message["body"], now)
                if frame["has_more"]:
                    self.syncing = True
                    await self.ws.send(json.dumps({"type": "sync", "after": self.last_seq}))
            elif kind == "error":
                self.stats.errors[frame["code"]] = self.stats.errors.get(frame["code"], 0) + 1

    async def final_sync(self):
        if self.chat:
            await self.ws.send(json.dumps({"type": "sync", "after": self.last_seq}))


async def run(address, path_for, tokens, slugs, rate, seconds, chat) -> dict:
    import websockets

    stats = Stats()
    clients = []
    for n, token in enumerate(tokens):
        slug = slugs[n % len(slugs)]
        ws = await websockets.connect(
            f"ws://{address}{path_for(slug)}",
            additional_headers={"Authorization": f"Token {token}"},
            origin=f"http://{address}",
            max_queue=None,
            ping_interval=None,
        )
        clients.append(Client(ws, f"c{n}", chat, stats))
    readers = [asyncio.ensure_future(c.read()) for c in clients]
    await asyncio.sleep(1.0)  # ready and presence frames settle
    stats.latencies.clear()
    stats.received = 0

    per_room = len(tokens) // len(slugs)
    messages_per_second = rate / per_room  # every message reaches everyone in its room
    interval = 1.0 / messages_per_second
    sent = 0
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
        await asyncio.sleep(0.05)
    drained = time.perf_counter()
    delivered_live = stats.received
    if chat:  # what the doorbell missed at the very end
        for client in clients:
            await client.final_sync()
        settle = time.perf_counter() + 10
        while stats.received < expected and time.perf_counter() < settle:
            await asyncio.sleep(0.05)
    for reader in readers:
        reader.cancel()
    for client in clients:
        await client.ws.close()
    lat = sorted(stats.latencies)

    def pct(p):
        return lat[min(len(lat) - 1, int(len(lat) * p))] * 1000 if lat else float("nan")

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
        "errors": stats.errors,
    }


def report(name, result):
    print(
        f"{name:6}  offered {result['offered']:7.0f}/s  delivered {result['throughput']:7.0f}/s  "
        f"p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  p99 {result['p99']:7.1f} ms  "
        f"received {result['received']}/{result['expected']}  missing at the end {result['lost']}  "
        f"recovered by sync {result['recovered_by_sync']}  errors {result['errors']}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--rate", type=float, default=2000, help="deliveries per second")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--conn-max-age", default=os.environ.get("DB_CONN_MAX_AGE", "0"))
    args = parser.parse_args()
    if not 1 <= args.clients <= MAX_CLIENTS or not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"1..{MAX_CLIENTS} clients, up to {MAX_SECONDS} seconds")
    if args.clients % args.rooms:
        parser.error("clients must be a multiple of rooms")
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    for url in (database_url, redis_url):
        if urlparse(url).hostname not in {"127.0.0.1", "localhost"}:
            parser.error("DATABASE_URL and REDIS_URL must point to 127.0.0.1")
    ensure_database(database_url)
    tokens, slugs = prepare(args.clients, args.rooms)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.chat_settings", PYTHONUNBUFFERED="1")
    env["DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    print(
        f"{args.clients} clients in {args.rooms} rooms, {args.rate:.0f} deliveries/s offered "
        f"for {args.seconds:.0f} s; one daphne process each; DB_CONN_MAX_AGE={args.conn_max_age}"
    )
    results = {}
    for name, app, path_for, chat in [
        ("bare", "bench.bare_consumer:application", lambda s: f"/ws/bare/{s}/", False),
        ("chat", "config.asgi:application", lambda s: f"/ws/chat/{s}/", True),
    ]:
        with daphne(app, env) as (address, log_path):
            results[name] = asyncio.run(
                run(address, path_for, tokens, slugs, args.rate, args.seconds, chat)
            )
        over = log_path.read_text().count("over capacity")
        report(name, results[name])
        if over:
            print(f"        channels_redis logged 'over capacity' {over} times")
    bare, chat = results["bare"], results["chat"]
    print(
        f"ratio   throughput {chat['throughput'] / bare['throughput']:.0%} of bare, "
        f"p99 {chat['p99'] / bare['p99']:.2f}× bare, missing at the end {chat['lost']}"
    )


if __name__ == "__main__":
    main()
