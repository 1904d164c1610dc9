"""Files benchmark: daphne's memory under large uploads and downloads, and nginx's
X-Accel-Redirect against nginx serving the same file as a static file.

Claims (issue 18):

1. Uploading and downloading a 25 MB file through daphne, 10 at once: the daphne
   process's resident memory (VmRSS) grows by less than 30 MB. Uploads go to
   ``POST /api/files/`` (multipart, streamed from the client in 64 KiB pieces),
   downloads to ``/dateien/<id>/<name>`` with ``FILES_DELIVERY=django`` (the
   worker streams the file), both straight to daphne, without nginx in front.
2. A download through nginx's ``X-Accel-Redirect`` (``FILES_DELIVERY=nginx``:
   Django checks access, nginx sends the bytes from ``location /_dateien/``)
   reaches at least 90 % of nginx serving the same file from ``/static/``, side
   by side in one run: the site is docs/deploy/nginx.conf itself (HTTPS with a
   throwaway certificate), the two kinds of download alternate round by round,
   10 at once, and the static file is a hard link to the stored one (same
   bytes, same page cache).

Reproduce (from the repository root; nginx and openssl from Debian)::

    .venv/bin/python bench/files.py [--size-mb 25] [--parallel 10] [--rounds 6]

Without DATABASE_URL it runs on SQLite in a scratch directory (removed at the
end); the database is incidental here. RSS is sampled every 5 ms from
/proc/<pid>/status; "growth" is the peak during a phase minus the RSS after a
warm-up (one small upload and download). Bounded: 127.0.0.1 only, at most
``--rounds`` × ``--parallel`` downloads per kind.
"""

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SETTINGS = "bench.files_settings"
CHUNK = 64 * 1024
MB = 1_000_000


# --- set-up ---------------------------------------------------------------------------------
def prepare(scratch: Path) -> tuple[str, str]:
    """Migrate, make one member; return an API token (uploads) and a session cookie."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from community import services
    from community.models import Municipality, User

    call_command("migrate", verbosity=0)
    municipality = Municipality.objects.filter(slug="bench").first() or (
        services.municipality_create(
            name="Bench", slug="bench", state="HE", email_domains=["bench.example"]
        )
    )
    user = User.objects.filter(email="bench-files@bench.example").first() or (
        services.member_create(
            email="bench-files@bench.example",
            display_name="Bench Dateien",
            municipality=municipality,
            password=None,
        )
    )
    token = services.member_token(member=user, label="bench")
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    from django.db import connections

    connections.close_all()
    return token, cookie


def make_file(path: Path, size: int) -> None:
    """Plain text (CSV), so that the type check accepts it and no text is extracted."""
    line = b"".join(f"{n:08d};".encode() for n in range(11)) + b"\n"  # 100 bytes
    with open(path, "wb") as handle:
        written = 0
        block = line * (CHUNK // len(line))
        while written < size:
            piece = block[: size - written]
            handle.write(piece)
            written += len(piece)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def daphne(env: dict, scratch: Path):
    port = free_port()
    log = open(scratch / f"daphne-{port}.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "daphne", "--bind", "127.0.0.1", "--port", str(port)),
            *("--proxy-headers", "config.asgi:application"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"daphne exited early:\n{log.read()}")
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                break
            if time.monotonic() > deadline:
                raise RuntimeError("daphne did not start within 60 s")
            time.sleep(0.1)
        yield process, port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.seek(0)
        output = log.read()
        log.close()
        if "Traceback" in output:
            sys.stderr.write(output[-5000:])


# --- measuring ------------------------------------------------------------------------------
def rss_bytes(pid: int, field: str = "VmRSS") -> int:
    """Resident memory from /proc: VmRSS (all), RssAnon (heap), RssFile (mapped files)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


class PeakRss:
    """Samples a process's RSS in a thread until stopped; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.005):
        self.pid, self.interval, self.peak, self.anon = pid, interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            rss = rss_bytes(self.pid)
            if rss > self.peak:
                self.peak = rss
                self.anon = rss_bytes(self.pid, "RssAnon")
            time.sleep(self.interval)

    def __enter__(self):
        self.peak = rss_bytes(self.pid)
        self.anon = rss_bytes(self.pid, "RssAnon")
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pid))


def upload(port: int, token: str, path: Path, name: str) -> dict:
    """POST /api/files/ with the file streamed in pieces, never read whole."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = path.stat().st_size

    def body():
        yield head
        with open(path, "rb") as handle:
            while piece := handle.read(CHUNK):
                yield piece
        yield tail

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.putrequest("POST", "/api/files/")
    conn.putheader("Authorization", f"Token {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + size + len(tail)))
    conn.endheaders()
    for piece in body():
        conn.send(piece)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 201:
        raise RuntimeError(f"upload: {response.status} {data[:300]!r}")
    return json.loads(data)


def download(connect, path: str, cookie: str, expected: int, digest: str | None = None) -> float:
    """GET ``path``, read the body in pieces; returns seconds. Checks size (and hash)."""
    started = time.perf_counter()
    conn = connect()
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"download {path}: {response.status} {response.read()[:300]!r}")
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    received = 0
    sha = hashlib.sha256() if digest else None
    while n := response.readinto(view):
        received += n
        if sha:
            sha.update(view[:n])
    conn.close()
    if received != expected:
        raise RuntimeError(f"download {path}: {received} bytes, expected {expected}")
    if sha and sha.hexdigest() != digest:
        raise RuntimeError(f"download {path}: wrong bytes")
    return time.perf_counter() - started


def mib(n: float) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


# --- the two measurements ----------------------------------------------------------------------
def memory_phase(env, scratch, token, cookie, source: Path, parallel: int) -> dict:
    size = source.stat().st_size
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    # Warm-up: the same number of parallel uploads and downloads of a small file
    # above FILE_UPLOAD_MAX_MEMORY_SIZE (temporary files, worker threads, imports).
    warm = scratch / "warm.csv"
    make_file(warm, 3 * MB)
    with daphne({**env, "FILES_DELIVERY": "django"}, scratch) as (process, port):

        def plain():
            return http.client.HTTPConnection("127.0.0.1", port, timeout=300)

        started_rss = rss_bytes(process.pid)
        with ThreadPoolExecutor(parallel) as pool:
            warmed = list(
                pool.map(lambda n: upload(port, token, warm, f"w-{n}.csv"), range(parallel))
            )
            list(pool.map(lambda f: download(plain, f["url"], cookie, warm.stat().st_size), warmed))
        time.sleep(0.5)
        baseline = rss_bytes(process.pid)
        baseline_anon = rss_bytes(process.pid, "RssAnon")
        with PeakRss(process.pid) as up, ThreadPoolExecutor(parallel) as pool:
            started = time.perf_counter()
            files = list(pool.map(lambda n: upload(port, token, source, f"bench-{n}.csv"),
                                  range(parallel)))  # fmt: skip
            up_seconds = time.perf_counter() - started
        after_up = rss_bytes(process.pid)
        with PeakRss(process.pid) as down, ThreadPoolExecutor(parallel) as pool:
            started = time.perf_counter()
            list(pool.map(lambda f: download(plain, f["url"], cookie, size, digest), files))
            down_seconds = time.perf_counter() - started
        time.sleep(0.5)
        after = rss_bytes(process.pid)
    return {
        "started": started_rss,
        "baseline": baseline,
        "upload_peak": up.peak,
        "upload_peak_anon": up.anon,
        "baseline_anon": baseline_anon,
        "after_upload": after_up,
        "download_peak": down.peak,
        "download_peak_anon": down.anon,
        "after": after,
        "upload_seconds": up_seconds,
        "download_seconds": down_seconds,
        "files": files,
    }


def nginx_phase(env, scratch, cookie, stored: dict, parallel: int, rounds: int) -> dict:
    from tests.servers import deploy_site, nginx, nginx_main_config

    files_root = Path(env["FILES_ROOT"])
    blob = next(
        p for p in files_root.rglob("*") if p.is_file() and p.stat().st_size == stored["size"]
    )
    static_root = scratch / "static"
    static_root.mkdir(exist_ok=True)
    static_file = static_root / "bench-datei.csv"
    if not static_file.exists():
        os.link(blob, static_file)
    size = stored["size"]
    nginx_dir = scratch / "nginx"
    nginx_dir.mkdir(exist_ok=True)
    port = free_port()
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    def tls():
        return http.client.HTTPSConnection("127.0.0.1", port, timeout=300, context=context)

    timings = {"x-accel": [], "static": []}
    walls = {"x-accel": [], "static": []}
    paths = {"x-accel": stored["url"], "static": "/static/bench-datei.csv"}
    with daphne({**env, "FILES_DELIVERY": "nginx"}, scratch) as (_process, daphne_port):
        site = deploy_site(
            nginx_dir,
            daphne_address=f"127.0.0.1:{daphne_port}",
            port=port,
            files_root=files_root,
            static_root=static_root,
        )
        config = nginx_main_config(nginx_dir, site)
        with nginx(config, port), ThreadPoolExecutor(parallel) as pool:
            for kind in paths:  # one warm-up download of each
                download(tls, paths[kind], cookie, size)
            for n in range(rounds):
                order = ("x-accel", "static") if n % 2 == 0 else ("static", "x-accel")
                for kind in order:
                    started = time.perf_counter()
                    path = paths[kind]
                    timings[kind] += pool.map(
                        lambda _, path=path: download(tls, path, cookie, size), range(parallel)
                    )
                    walls[kind].append(time.perf_counter() - started)
    result = {}
    for kind in paths:
        total = sum(walls[kind])
        result[kind] = {
            "mb_per_s": size * parallel * rounds / total / MB,
            "p50_ms": statistics.median(timings[kind]) * 1000,
            "p95_ms": statistics.quantiles(timings[kind], n=20)[18] * 1000,
        }
    result["ratio"] = result["x-accel"]["mb_per_s"] / result["static"]["mb_per_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=25)
    parser.add_argument("--parallel", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--memory-only", action="store_true", help="skip the nginx comparison")
    args = parser.parse_args()
    args.parallel = min(args.parallel, 50)
    args.rounds = min(args.rounds, 40)

    scratch = Path(tempfile.mkdtemp(prefix="lotsennetz-files-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAMAV_", "FILES_"))}
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        LOTSENNETZ_VAR_DIR=str(scratch / "var"),
        FILES_ROOT=str(scratch / "var" / "files"),
        FILES_QUOTA_BYTES=str(100 * 1024**3),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    if "bench" not in env.get("DATABASE_URL", "bench"):
        raise SystemExit("DATABASE_URL must name a bench database (or be unset: SQLite)")
    os.environ.update(env)
    try:
        (scratch / "var").mkdir()
        token, cookie = prepare(scratch)
        source = scratch / "datei.csv"
        make_file(source, int(args.size_mb * MB))
        size = source.stat().st_size
        print(f"Datei: {size / MB:.0f} MB ({mib(size)}), {args.parallel} gleichzeitig, "
              f"Last vorher {os.getloadavg()[0]:.2f}")  # fmt: skip

        memory = memory_phase(env, scratch, token, cookie, source, args.parallel)
        growth_up = memory["upload_peak"] - memory["baseline"]
        growth_down = memory["download_peak"] - memory["after_upload"]
        growth = max(memory["upload_peak"], memory["download_peak"]) - memory["baseline"]
        print("\n1. daphne (FILES_DELIVERY=django), RSS")
        print(f"   nach dem Start          {mib(memory['started'])}")
        print(f"   nach dem Aufwärmen      {mib(memory['baseline'])}  "
              f"({args.parallel} × 3 MB hoch und herunter)")  # fmt: skip
        took = f"{args.parallel} × {size / MB:.0f} MB in"
        print(f"   Spitze beim Hochladen   {mib(memory['upload_peak'])}  (+{mib(growth_up)}), "
              f"{took} {memory['upload_seconds']:.1f} s")  # fmt: skip
        print(f"      davon Heap (RssAnon) {mib(memory['upload_peak_anon'])} "
              f"(+{mib(memory['upload_peak_anon'] - memory['baseline_anon'])})")  # fmt: skip
        print(f"   nach dem Hochladen      {mib(memory['after_upload'])}")
        print(f"   Spitze beim Herunterladen {mib(memory['download_peak'])}  "
              f"(+{mib(growth_down)} ggü. nach dem Hochladen), "
              f"{took} {memory['download_seconds']:.1f} s")  # fmt: skip
        print(f"      davon Heap (RssAnon) {mib(memory['download_peak_anon'])}")
        print(f"   am Ende                 {mib(memory['after'])}")
        verdict = "erfüllt" if growth < 30 * 1024 * 1024 else "NICHT erfüllt"
        print(f"   Wachstum gesamt (Spitze − Aufwärmen): {mib(growth)}  → < 30 MiB {verdict}")

        if args.memory_only:
            return
        stored = memory["files"][0]
        served = nginx_phase(env, scratch, cookie, stored, args.parallel, args.rounds)
        print(f"\n2. nginx (docs/deploy/nginx.conf, HTTPS), {args.rounds} Runden × "
              f"{args.parallel} gleichzeitig je Art, abwechselnd")  # fmt: skip
        for kind, label in (("x-accel", "X-Accel-Redirect"), ("static", "statische Datei")):
            row = served[kind]
            print(f"   {label:18} {row['mb_per_s']:8.0f} MB/s   p50 {row['p50_ms']:6.0f} ms   "
                  f"p95 {row['p95_ms']:6.0f} ms")  # fmt: skip
        verdict = "erfüllt" if served["ratio"] >= 0.9 else "NICHT erfüllt"
        print(f"   X-Accel-Redirect / statisch: {served['ratio'] * 100:.0f} %  → ≥ 90 % {verdict}")
        print(f"\nLast nachher {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep:
            print(f"scratch: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
