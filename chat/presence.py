"""Who is online in a room: one shared roster per room, in Redis or in this process.

Presence used to cost every socket a read and parse of the room's whole online
list at every heartbeat, and every join or leave sent the whole list to every
socket: costs that grew with the square of the room's size (issue 22). Now a
room has one shared state: its open sockets with the time of their last
heartbeat, a count of sockets per member, and the roster of members sorted by
name. A join or a leave changes it in one atomic step (a Lua script in Redis)
and says whether a member came or went and how many are online. The list is
read only when a socket opens or its client asks, and then at most
``LIST_LIMIT`` names. A process beats for all its sockets of a room at once
(chat.presence_relay); a socket whose process vanished is no longer refreshed
and is swept out after ``ttl()`` seconds. Nothing is kept in the database.
"""

import asyncio
import time
import weakref
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from django.conf import settings

HEARTBEAT_SECONDS = 15
TTL_SECONDS = 40  # a vanished socket drops out after at most TTL + one heartbeat < 60 s
#: The most names a ``presence`` frame lists (docs/api.md); above it, deltas.
LIST_LIMIT = 100
#: Stale sockets one sweep removes at most (the next sweep takes the rest).
SWEEP_LIMIT = 1000
#: Redis connections a process's presence uses at most; more callers at once wait
#: for one (up to POOL_WAIT_SECONDS). Redis runs the scripts one after another
#: anyway. redis-py's plain pool instead failed the 101st caller at once
#: ("Too many connections"): in a join storm of 2,000 sockets hundreds of joins
#: fell out of presence and came back at the next heartbeat, each twice a delta
#: to the whole room (docs/performance.md, issue 22).
POOL_CONNECTIONS = 20
POOL_WAIT_SECONDS = 10

_SEPARATOR = "\x1f"


def heartbeat_interval() -> float:
    return getattr(settings, "CHAT_PRESENCE_HEARTBEAT", HEARTBEAT_SECONDS)


def ttl() -> float:
    return getattr(settings, "CHAT_PRESENCE_TTL", TTL_SECONDS)


def _expire_seconds() -> int:
    return int(ttl()) * 2 + 10


def roster_entry(user: dict) -> str:
    """The roster's sort key and content in one string: name (case-folded), id, name."""
    name = user["display_name"]
    return _SEPARATOR.join((name.casefold(), str(user["id"]), name))


def _person(entry: str | bytes) -> dict:
    if isinstance(entry, bytes):
        entry = entry.decode()
    _key, user_id, name = entry.split(_SEPARATOR, 2)
    return {"id": int(user_id), "display_name": name}


@dataclass
class Change:
    """What a join, leave or sweep did: who came, who went, how many are online now."""

    joined: list[dict] = field(default_factory=list)
    left: list[dict] = field(default_factory=list)
    count: int = 0

    def __bool__(self) -> bool:
        return bool(self.joined or self.left)


class MemoryPresence:
    """One process (the embedded default): the same state in dicts."""

    def __init__(self):
        self.rooms: dict[int, dict] = {}

    def _room(self, room_id: int) -> dict:
        return self.rooms.setdefault(
            room_id, {"sockets": {}, "beats": {}, "users": {}, "names": {}}
        )

    def _leave(self, room: dict, channel: str) -> dict | None:
        room["beats"].pop(channel, None)
        user_id = room["sockets"].pop(channel, None)
        if user_id is None:
            return None
        room["users"][user_id] -= 1
        if room["users"][user_id] > 0:
            return None
        del room["users"][user_id]
        return _person(room["names"].pop(user_id))

    async def join(self, room_id: int, user: dict, channel: str) -> Change:
        room = self._room(room_id)
        room["beats"][channel] = time.time()
        change = Change()
        if channel not in room["sockets"]:
            room["sockets"][channel] = user["id"]
            room["users"][user["id"]] = room["users"].get(user["id"], 0) + 1
            if room["users"][user["id"]] == 1:
                room["names"][user["id"]] = roster_entry(user)
                change.joined.append(_person(roster_entry(user)))
        change.count = len(room["users"])
        return change

    async def leave(self, room_id: int, channels: list[str]) -> Change:
        room = self._room(room_id)
        left = [p for p in (self._leave(room, c) for c in channels) if p]
        return Change(left=left, count=len(room["users"]))

    async def beat(self, room_id: int, channels: list[str]) -> list[str]:
        room = self._room(room_id)
        now = time.time()
        missing = []
        for channel in channels:
            if channel in room["sockets"]:
                room["beats"][channel] = now
            else:
                missing.append(channel)
        return missing

    async def sweep(self, room_id: int) -> Change:
        room = self._room(room_id)
        cutoff = time.time() - ttl()
        stale = [c for c, stamp in room["beats"].items() if stamp < cutoff][:SWEEP_LIMIT]
        left = [p for p in (self._leave(room, c) for c in stale) if p]
        return Change(left=left, count=len(room["users"]))

    async def snapshot(self, room_id: int, limit: int | None = None) -> tuple[list[dict], int]:
        room = self._room(room_id)
        entries = sorted(room["names"].values())[: limit or LIST_LIMIT]
        return [_person(e) for e in entries], len(room["users"])


# KEYS of every script: 1 sockets (hash channel → member id), 2 beats (sorted set
# channel → last heartbeat), 3 users (hash member id → open sockets), 4 names
# (hash member id → roster entry), 5 roster (sorted set of roster entries, score 0,
# so ordered by the entry: the case-folded name first).
_LEAVE_ONE = """
local function leave(channel)
  redis.call('ZREM', KEYS[2], channel)
  local user_id = redis.call('HGET', KEYS[1], channel)
  if not user_id then return false end
  redis.call('HDEL', KEYS[1], channel)
  if redis.call('HINCRBY', KEYS[3], user_id, -1) > 0 then return false end
  redis.call('HDEL', KEYS[3], user_id)
  local entry = redis.call('HGET', KEYS[4], user_id)
  redis.call('HDEL', KEYS[4], user_id)
  if entry then redis.call('ZREM', KEYS[5], entry) end
  return entry
end
"""

_JOIN = """
local joined = ''
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  if redis.call('HINCRBY', KEYS[3], ARGV[2], 1) == 1 then
    redis.call('HSET', KEYS[4], ARGV[2], ARGV[3])
    redis.call('ZADD', KEYS[5], 0, ARGV[3])
    joined = ARGV[3]
  end
end
for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
return {joined, redis.call('HLEN', KEYS[3])}
"""

_LEAVE = (
    _LEAVE_ONE
    + """
local left = {}
for i = 1, #ARGV do
  local entry = leave(ARGV[i])
  if entry then left[#left + 1] = entry end
end
return {left, redis.call('HLEN', KEYS[3])}
"""
)

_SWEEP = (
    _LEAVE_ONE
    + """
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local left = {}
for _, channel in ipairs(stale) do
  local entry = leave(channel)
  if entry then left[#left + 1] = entry end
end
return {left, redis.call('HLEN', KEYS[3])}
"""
)

# One ZADD XX CH for all the process's sockets (in chunks of 500, Lua's unpack
# has a limit): it updates only sockets the room knows and says how many. Only
# when that is fewer than asked (something was forgotten: a Redis restart, a
# sweep during a stall) does the script look at each socket. The per-socket
# HEXISTS and ZADD of every beat were 2 of Redis's commands per socket and 15 s:
# at 1,000 quiet sockets 133 of the 136 commands a second (docs/performance.md).
_BEAT = """
local n = #ARGV - 2
local updated = 0
for i = 3, #ARGV, 500 do
  local args = {}
  for j = i, math.min(i + 499, #ARGV) do
    args[#args + 1] = ARGV[1]
    args[#args + 1] = ARGV[j]
  end
  updated = updated + redis.call('ZADD', KEYS[2], 'XX', 'CH', unpack(args))
end
local missing = {}
if updated < n then
  for i = 3, #ARGV do
    if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
      redis.call('ZADD', KEYS[2], ARGV[1], ARGV[i])
    else
      missing[#missing + 1] = ARGV[i]
    end
  end
end
for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
return missing
"""


class RedisPresence:
    """Shared by all daphne processes; one async client per event loop."""

    def __init__(self, url: str, prefix: str):
        self.url = url
        self.prefix = prefix
        self.clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _client(self):
        loop = asyncio.get_running_loop()
        entry = self.clients.get(loop)
        if entry is None:
            pool = aioredis.BlockingConnectionPool.from_url(
                self.url,
                max_connections=POOL_CONNECTIONS,
                timeout=POOL_WAIT_SECONDS,
                socket_timeout=5,
                socket_connect_timeout=5,
            )
            client = aioredis.Redis(connection_pool=pool)
            scripts = {
                name: client.register_script(source)
                for name, source in (
                    ("join", _JOIN),
                    ("leave", _LEAVE),
                    ("sweep", _SWEEP),
                    ("beat", _BEAT),
                )
            }
            entry = self.clients[loop] = (client, scripts)
        return entry

    def _keys(self, room_id: int) -> list[str]:
        base = f"{self.prefix}:chat:presence:{room_id}"
        return [f"{base}:{part}" for part in ("sockets", "beats", "users", "names", "roster")]

    @staticmethod
    def _change(result, joined: bool = False) -> Change:
        entries, count = result
        if joined:
            return Change(joined=[_person(entries)] if entries else [], count=int(count))
        return Change(left=[_person(e) for e in entries], count=int(count))

    async def join(self, room_id: int, user: dict, channel: str) -> Change:
        _client, scripts = self._client()
        args = [channel, user["id"], roster_entry(user), time.time(), _expire_seconds()]
        return self._change(await scripts["join"](keys=self._keys(room_id), args=args), True)

    async def leave(self, room_id: int, channels: list[str]) -> Change:
        _client, scripts = self._client()
        return self._change(await scripts["leave"](keys=self._keys(room_id), args=channels))

    async def beat(self, room_id: int, channels: list[str]) -> list[str]:
        _client, scripts = self._client()
        args = [time.time(), _expire_seconds(), *channels]
        missing = await scripts["beat"](keys=self._keys(room_id), args=args)
        return [m.decode() if isinstance(m, bytes) else m for m in missing]

    async def sweep(self, room_id: int) -> Change:
        _client, scripts = self._client()
        args = [time.time() - ttl(), SWEEP_LIMIT]
        return self._change(await scripts["sweep"](keys=self._keys(room_id), args=args))

    async def snapshot(self, room_id: int, limit: int | None = None) -> tuple[list[dict], int]:
        client, _scripts = self._client()
        keys = self._keys(room_id)
        async with client.pipeline(transaction=True) as pipe:
            pipe.zrange(keys[4], 0, (limit or LIST_LIMIT) - 1)
            pipe.hlen(keys[2])
            entries, count = await pipe.execute()
        return [_person(e) for e in entries], int(count)


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
