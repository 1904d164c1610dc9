"""Settings for the chat benchmark: production settings, with the rate limit out of the way.

The benchmark's clients send one message a second each, which is the rate
limit's sustained rate; a higher burst keeps jitter from tripping it. The
token bucket is still taken for every message, so its cost is measured.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
os.environ.setdefault("CHANNEL_LAYER_PREFIX", "chat-bench")
os.environ.setdefault("CACHE_KEY_PREFIX", "chat-bench")

from config.settings import *  # noqa: F403

CHAT_RATE_BURST = 100_000
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
# channels_redis reports dropped group messages at INFO ("over capacity"); keep those.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"channels_redis": {"level": "INFO"}},
}

if os.environ.get("BENCH_TRACEMALLOC"):
    # Diagnosis only (bench/chat_room.py --tracemalloc): the first SIGUSR1 starts
    # tracing the Python heap, each one writes a snapshot by traceback (what was
    # allocated since the first and still lives) and the resident size before and
    # after handing freed memory back (malloc_trim), to tell live objects from a
    # heap that is only fragmented.
    import ctypes
    import itertools
    import json as _json
    import signal
    import tracemalloc
    from pathlib import Path as _Path

    _dumps = itertools.count()

    def _rss_kib() -> int:
        for line in _Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def _dump(_signum, _frame) -> None:
        out = _Path(os.environ["BENCH_TRACEMALLOC_DIR"]) / f"{os.getpid()}-{next(_dumps)}"
        if not tracemalloc.is_tracing():
            tracemalloc.start(int(os.environ["BENCH_TRACEMALLOC"]))
        tracemalloc.take_snapshot().dump(f"{out}.snapshot")
        before = _rss_kib()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        facts = {
            "rss": before,
            "rss_trimmed": _rss_kib(),
            "traced": tracemalloc.get_traced_memory(),
        }
        _Path(f"{out}.json").write_text(_json.dumps(facts))

    signal.signal(signal.SIGUSR1, _dump)

if os.environ.get("BENCH_TRIM_DIR"):
    # bench/chat_room.py's idle scenario, for both stacks: SIGUSR2 hands the heap's
    # free memory back (malloc_trim) and writes the resident size before and after,
    # to tell what the sockets hold from what the join's peak left behind.
    import ctypes
    import json as _json
    import signal
    from pathlib import Path as _Path

    def _status_kib() -> int:
        for line in _Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def _trim(_signum, _frame) -> None:
        import sys

        sys._debugmallocstats()  # pymalloc's arenas, to the daphne log (stderr)
        before = _status_kib()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        facts = {"rss": before, "rss_trimmed": _status_kib(), "send_buffered": _unsent()}
        if os.environ.get("BENCH_CENSUS"):
            facts["census"] = _census()
        _Path(os.environ["BENCH_TRIM_DIR"], f"{os.getpid()}.json").write_text(_json.dumps(facts))

    def _census() -> dict[str, list[int]]:
        """Objects the garbage collector tracks, by type: how many and their own size
        (bench/chat_room.py --census: what a socket of one stack holds that the other's
        does not; taken after the resident size was read)."""
        import gc
        import sys

        found: dict[str, list[int]] = {}
        for obj in gc.get_objects():
            kind = type(obj)
            entry = found.setdefault(f"{kind.__module__}.{kind.__qualname__}", [0, 0])
            entry[0] += 1
            entry[1] += sys.getsizeof(obj)
        return found

    def _unsent() -> int:
        """Bytes daphne has written to its WebSockets that Twisted has not sent yet."""
        import gc

        total = 0
        for obj in gc.get_objects():
            if type(obj).__name__ == "WebSocketProtocol":
                transport = getattr(obj, "transport", None)
                if transport is not None:
                    total += len(getattr(transport, "dataBuffer", b"")) - getattr(
                        transport, "offset", 0
                    )
                    total += getattr(transport, "_tempDataLen", 0)
        return total

    signal.signal(signal.SIGUSR2, _trim)
