"""Who is online in a room: heartbeats with expiry, in Redis or in this process.

Each open socket is one entry of a sorted set per room, scored with the time
of its last heartbeat. A socket that closes removes its entry; one whose
process vanished simply stops beating and falls out after ``ttl()`` seconds.
Nothing is kept in the database.
"""

import asyncio
import json
import time
import weakref

import redis.asyncio as aioredis
from django.conf import settings

HEARTBEAT_SECONDS = 15
TTL_SECONDS = 40  # a vanished socket drops out after at most TTL + one heartbeat < 60 s


def heartbeat_interval() -> float:
    return getattr(settings, "CHAT_PRESENCE_HEARTBEAT", HEARTBEAT_SECONDS)


def ttl() -> float:
    return getattr(settings, "CHAT_PRESENCE_TTL", TTL_SECONDS)


def _entry(user: dict, channel_name: str) -> str:
    return json.dumps([user["id"], user["display_name"], channel_name])


def _online(entries) -> list[dict]:
    people = {}
    for raw in entries:
        user_id, display_name, _channel = json.loads(raw)
        people[user_id] = {"id": user_id, "display_name": display_name}
    return sorted(people.values(), key=lambda u: (u["display_name"], u["id"]))


class MemoryPresence:
    """One process (the embedded default): a dict of rooms."""

    def __init__(self):
        self.rooms: dict[int, dict[str, float]] = {}

    async def beat(self, room_id: int, user: dict, channel_name: str) -> None:
        self.rooms.setdefault(room_id, {})[_entry(user, channel_name)] = time.time()

    async def leave(self, room_id: int, user: dict, channel_name: str) -> None:
        self.rooms.get(room_id, {}).pop(_entry(user, channel_name), None)

    async def online(self, room_id: int) -> list[dict]:
        entries = self.rooms.get(room_id, {})
        cutoff = time.time() - ttl()
        for key in [k for k, stamp in entries.items() if stamp < cutoff]:
            del entries[key]
        return _online(entries)


class RedisPresence:
    """Shared by all daphne processes; one async client per event loop."""

    def __init__(self, url: str, prefix: str):
        self.url = url
        self.prefix = prefix
        self.clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _client(self):
        loop = asyncio.get_running_loop()
        client = self.clients.get(loop)
        if client is None:
            client = aioredis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)
            self.clients[loop] = client
        return client

    def _key(self, room_id: int) -> str:
        return f"{self.prefix}:chat:presence:{room_id}"

    async def beat(self, room_id: int, user: dict, channel_name: str) -> None:
        key = self._key(room_id)
        async with self._client().pipeline(transaction=False) as pipe:
            pipe.zadd(key, {_entry(user, channel_name): time.time()})
            pipe.expire(key, int(ttl()) * 2 + 10)
            await pipe.execute()

    async def leave(self, room_id: int, user: dict, channel_name: str) -> None:
        await self._client().zrem(self._key(room_id), _entry(user, channel_name))

    async def online(self, room_id: int) -> list[dict]:
        key = self._key(room_id)
        async with self._client().pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", time.time() - ttl())
            pipe.zrange(key, 0, -1)
            _removed, entries = await pipe.execute()
        return _online(entries)


_store = None


def store():
    global _store
    if _store is None:
        if settings.REDIS_URL:
            prefix = settings.CACHES["default"].get("KEY_PREFIX", "lotsennetz")
            _store = RedisPresence(settings.REDIS_URL, prefix)
        else:
            _store = MemoryPresence()
    return _store
