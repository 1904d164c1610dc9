"""A token bucket per member: type fast (a burst of 10), then one message a second.

The bucket lives in the cache, so with ``REDIS_URL`` every daphne process
shares it; on Redis one Lua script reads and updates it atomically, with
Redis's own clock. Without Redis (one process) a lock around the local cache
does the same.
"""

import threading
import time

from django.conf import settings
from django.core.cache import caches

BURST = 10
RATE_PER_SECOND = 1.0

_LUA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 2)
return allowed
"""
_lock = threading.Lock()
# One registered script per connection pool of the cache (one per process and
# Redis server). Django's ``get_client()`` builds a new client on every call;
# keyed by such a client, this dict once grew by one entry per message.
_scripts: dict[int, tuple[object, object]] = {}


def _limits() -> tuple[int, float]:
    return (
        getattr(settings, "CHAT_RATE_BURST", BURST),
        getattr(settings, "CHAT_RATE_PER_SECOND", RATE_PER_SECOND),
    )


def _script(cache):
    """The bucket script, bound to a client of the cache's write pool (EVALSHA;
    redis-py loads the script again after a Redis restart)."""
    backend = cache._cache
    pool = backend._get_connection_pool(backend._get_connection_pool_index(write=True))
    entry = _scripts.get(id(pool))
    if entry is None or entry[0] is not pool:
        client = backend._client(connection_pool=pool)
        entry = _scripts[id(pool)] = (pool, client.register_script(_LUA))
    return entry[1]


def _bucket(member_id: int) -> str:
    return f"chat:bucket:{member_id}"  # a Redis hash (the former "chat:rate:" was a string)


def _on_redis(cache) -> bool:
    return type(cache).__name__ == "RedisCache"


def take_token(member_id: int) -> bool:
    """Take one token from the member's bucket; False when it is empty."""
    capacity, rate = _limits()
    key = _bucket(member_id)
    cache = caches["default"]  # the backend itself; ``django.core.cache.cache`` is a proxy
    if _on_redis(cache):
        script = _script(cache)
        return bool(script(keys=[cache.make_and_validate_key(key)], args=[capacity, rate]))
    return _take_local(cache, key, capacity, rate)


async def atake_token(member_id: int) -> bool:
    """``take_token`` for an event loop: the same script and key, through the
    loop's own redis.asyncio client; the process-local bucket needs no I/O."""
    from chat.aio import loop_connections

    capacity, rate = _limits()
    key = _bucket(member_id)
    cache = caches["default"]
    if not _on_redis(cache):
        return _take_local(cache, key, capacity, rate)
    socket_options = {k: v for k, v in cache._options.items() if k.startswith("socket_")}
    resources = await loop_connections()
    script = resources.redis_script(cache._servers[0], _LUA, **socket_options)
    return bool(await script(keys=[cache.make_and_validate_key(key)], args=[capacity, rate]))


def _take_local(cache, key: str, capacity: int, rate: float) -> bool:
    with _lock:
        now = time.monotonic()
        tokens, ts = cache.get(key) or (float(capacity), now)
        tokens = min(capacity, tokens + max(0.0, now - ts) * rate)
        allowed = tokens >= 1
        if allowed:
            tokens -= 1
        cache.set(key, (tokens, now), timeout=int(capacity / rate) + 2)
        return allowed
