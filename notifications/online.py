"""Who has a bell socket open: live events go only to them (issue 20).

A forum reply watched by 1,600 members used to send 1,600 group events after
its commit, each a round trip to Redis (~1.5 ms), also for members without an
open page. Now the bell sockets say who is there, and the senders ask once for
the members among their recipients who are (``filter_online``: one command,
however many recipients), and send only to those.

With Redis (every daphne process shares it) it is one sorted set: member id →
until when they count as online. A process refreshes it for all its bell
sockets at once every ``HEARTBEAT_SECONDS`` (one ZADD); a socket whose process
vanished without a disconnect is no longer refreshed and drops out after
``TTL_SECONDS``. A disconnect removes nobody (another tab, perhaps in another
process, may still be open): a member who closed their last page is sent to
for at most ``TTL_SECONDS`` more, and nobody who has one open is ever left out.
Without Redis (the embedded default: one process, the in-memory channel
layer) the process counts its own sockets, exactly. After a Redis restart
the members come back with the next heartbeat of their process.
"""

import asyncio
import logging
import threading
import time
import weakref
from collections.abc import Iterable

import redis
import redis.asyncio as aioredis
from django.conf import settings

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30
TTL_SECONDS = 90  # a vanished process's members drop out after at most TTL
#: Member ids asked of Redis in one command (ZMSCORE); more go in one pipeline.
CHUNK = 5000


def heartbeat_interval() -> float:
    return getattr(settings, "BELL_ONLINE_HEARTBEAT", HEARTBEAT_SECONDS)


def ttl() -> float:
    return getattr(settings, "BELL_ONLINE_TTL", TTL_SECONDS)


class MemoryOnline:
    """One process: its own sockets, counted per member."""

    def __init__(self):
        self.sockets: dict[int, int] = {}
        self.lock = threading.Lock()

    async def add(self, user_id: int) -> None:
        with self.lock:
            self.sockets[user_id] = self.sockets.get(user_id, 0) + 1

    async def remove(self, user_id: int) -> None:
        with self.lock:
            left = self.sockets.get(user_id, 0) - 1
            if left > 0:
                self.sockets[user_id] = left
            else:
                self.sockets.pop(user_id, None)

    async def beat(self, user_ids: Iterable[int]) -> None:
        """Nothing to refresh: the count is exact."""

    def filter_online(self, user_ids: Iterable[int]) -> set[int]:
        with self.lock:
            return {pk for pk in user_ids if pk in self.sockets}


class RedisOnline:
    """Shared by all processes: one sorted set, member id → expiry (epoch seconds)."""

    def __init__(self, url: str, prefix: str):
        self.url = url
        self.key = f"{prefix}:bell:online"
        self.clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.sync_client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    def _client(self):
        loop = asyncio.get_running_loop()
        client = self.clients.get(loop)
        if client is None:
            client = self.clients[loop] = aioredis.Redis.from_url(
                self.url, socket_timeout=5, socket_connect_timeout=5
            )
        return client

    async def add(self, user_id: int) -> None:
        await self.beat([user_id])

    async def remove(self, user_id: int) -> None:
        """Left to expire: another socket of the member may be open elsewhere."""

    async def beat(self, user_ids: Iterable[int]) -> None:
        ids = list(user_ids)
        if not ids:
            return
        now = time.time()
        until = now + ttl()
        async with self._client().pipeline(transaction=False) as pipe:
            pipe.zadd(self.key, dict.fromkeys(ids, until), gt=True)
            pipe.zremrangebyscore(self.key, "-inf", now)
            pipe.expire(self.key, int(ttl()) + 60)
            await pipe.execute()

    def filter_online(self, user_ids: Iterable[int]) -> set[int]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return set()
        now = time.time()
        with self.sync_client.pipeline(transaction=False) as pipe:
            for start in range(0, len(ids), CHUNK):
                pipe.zmscore(self.key, ids[start : start + CHUNK])
            scores = [score for chunk in pipe.execute() for score in chunk]
        return {pk for pk, score in zip(ids, scores, strict=True) if score and score > now}


class Relay:
    """The bell sockets of one event loop (daphne: one process), by member."""

    def __init__(self) -> None:
        self.sockets: dict[int, int] = {}
        self.ticker: asyncio.Task | None = None

    async def connected(self, user_id: int) -> None:
        self.sockets[user_id] = self.sockets.get(user_id, 0) + 1
        try:
            await store().add(user_id)
        except redis.RedisError:
            logger.warning("bell presence unavailable", exc_info=True)
        if self.ticker is None or self.ticker.done():
            self.ticker = asyncio.ensure_future(self._tick_forever())

    async def disconnected(self, user_id: int) -> None:
        left = self.sockets.get(user_id, 0) - 1
        if left > 0:
            self.sockets[user_id] = left
        else:
            self.sockets.pop(user_id, None)
        if not self.sockets and self.ticker is not None:
            self.ticker.cancel()  # no socket left here: nothing to refresh
            self.ticker = None
        await store().remove(user_id)

    async def _tick_forever(self) -> None:
        while self.sockets:
            await asyncio.sleep(heartbeat_interval())
            await self.tick()
        self.ticker = None

    async def tick(self) -> None:
        """One refresh for every member with a bell socket here (after a Redis restart too)."""
        try:
            await store().beat(list(self.sockets))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("bell heartbeat failed", exc_info=True)


_relays: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Relay]" = weakref.WeakKeyDictionary()


def relay() -> Relay:
    loop = asyncio.get_running_loop()
    found = _relays.get(loop)
    if found is None:
        found = _relays[loop] = Relay()
    return found


_store = None


def store():
    global _store
    if _store is None:
        if settings.REDIS_URL:
            prefix = settings.CACHES["default"].get("KEY_PREFIX", "lotsennetz")
            _store = RedisOnline(settings.REDIS_URL, prefix)
        else:
            _store = MemoryOnline()
    return _store


def filter_online(user_ids: Iterable[int]) -> set[int]:
    """The members among ``user_ids`` with a bell socket open (one command).

    Should Redis not answer, everyone counts as online: sending to all is
    slower but loses nothing."""
    ids = list(user_ids)
    try:
        return store().filter_online(ids)
    except redis.RedisError:
        logger.warning("bell presence unavailable; sending to all")
        return set(ids)
