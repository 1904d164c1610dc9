"""One query for many sockets asking the same: a mass reconnect does not flood PostgreSQL.

When a daphne process restarts, all its sockets reconnect within seconds and
each asks for the room's last ``seq`` (``ready``) and for what it missed
(``sync`` after the last ``seq`` it saw): mostly the same question, a thousand
times. Per event loop, the askers of one key share one answer, and the answer
always comes from a query that started after they asked (a query already
running may predate a message they must see): while one runs, newcomers wait
for the next, which starts when it ends. So a key has at most one query
running and the database sees a few queries per room, not one per socket.
"""

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Hashable


class Coalescer:
    def __init__(self, fetch: Callable[[Hashable], Awaitable]) -> None:
        self.fetch = fetch
        self.running: dict[Hashable, asyncio.Task] = {}
        self.waiting: dict[Hashable, asyncio.Future] = {}

    async def get(self, key: Hashable):
        future = self.waiting.get(key)
        if future is None:
            future = self.waiting[key] = asyncio.get_running_loop().create_future()
            if key not in self.running:
                self._start(key)
        # shield: one asker that goes away does not cancel the answer of the others
        return await asyncio.shield(future)

    def _start(self, key: Hashable) -> None:
        future = self.waiting.pop(key)
        self.running[key] = asyncio.ensure_future(self._run(key, future))

    async def _run(self, key: Hashable, future: asyncio.Future) -> None:
        try:
            result = await self.fetch(key)
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
                future.exception()  # retrieved: askers that left must not log it as lost
        else:
            if not future.done():
                future.set_result(result)
        finally:
            del self.running[key]
            if key in self.waiting:
                self._start(key)


_coalescers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = (
    weakref.WeakKeyDictionary()
)


def coalescer(name: str, fetch: Callable[[Hashable], Awaitable]) -> Coalescer:
    """The running loop's coalescer called ``name`` (one per loop: answers belong to it)."""
    by_name = _coalescers.setdefault(asyncio.get_running_loop(), {})
    current = by_name.get(name)
    if current is None:
        current = by_name[name] = Coalescer(fetch)
    return current
