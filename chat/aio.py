"""An event loop's own connections to PostgreSQL, for posting chat messages.

Posting from the event loop itself spares every message two thread hops and
the fight for the GIL between posting threads and the loop that delivers
(docs/performance.md, Chat). The connections belong to the loop that opened
them: daphne runs one loop per process for its lifetime; the test suite and
``async_to_sync`` start one per call. They close when the loop is shut down
(``asyncio.run`` and ``asyncio.Runner`` close open async generators first, and
a guard generator per loop closes them then) or, at the latest, at exit.
"""

import asyncio
import contextlib
import weakref

import psycopg
from django.db import connections

#: Connections one loop may hold, on top of the process's pool for requests
#: (docs/deploy/README.md counts them). A post holds one for about a millisecond.
LOOP_CONNECTIONS = 2
APPLICATION_NAME = "lotsennetz-chat-loop"
#: psycopg's own default: a statement run this often on a connection is prepared.
PREPARE_THRESHOLD = 5


class LoopConnections:
    """A small pool of autocommit connections for one loop."""

    def __init__(self) -> None:
        self.idle: list[psycopg.AsyncConnection] = []
        self.slots = asyncio.Semaphore(LOOP_CONNECTIONS)
        self.closed = False
        self.guard = None

    @contextlib.asynccontextmanager
    async def postgresql(self):
        """An open autocommit connection; a broken one is closed, not handed out again."""
        if self.closed:
            raise RuntimeError("the event loop's connections are closed")
        async with self.slots:
            conn = None
            while self.idle and conn is None:
                conn = self.idle.pop()
                if conn.closed:  # the server ended it while it was idle
                    conn = None
            if conn is None:
                conn = await _connect()
            try:
                yield conn
            finally:
                idle = psycopg.pq.TransactionStatus.IDLE
                if self.closed or conn.closed or conn.info.transaction_status != idle:
                    await conn.close()  # broken, or cancelled amid a statement
                else:
                    self.idle.append(conn)

    async def aclose(self) -> None:
        self.closed = True
        idle, self.idle = self.idle, []
        for conn in idle:
            with contextlib.suppress(Exception):
                await conn.close()


async def _connect() -> psycopg.AsyncConnection:
    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)  # Django's is a sync cursor
    params["application_name"] = APPLICATION_NAME
    # Django turns psycopg's prepared statements off (prepare_threshold=None)
    # for poolers that cannot keep them. These connections run one statement
    # over and over, which chat.services prepares (docs/deploy: PgBouncer).
    if params.get("prepare_threshold") is None:
        params["prepare_threshold"] = PREPARE_THRESHOLD
    return await psycopg.AsyncConnection.connect(**params, autocommit=True)


_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopConnections]" = (
    weakref.WeakKeyDictionary()
)


async def _guard(resources: LoopConnections):
    """Suspended for the loop's lifetime; closing the loop's async generators closes it."""
    try:
        yield
    finally:
        await resources.aclose()


async def loop_connections() -> LoopConnections:
    """The running loop's connections, opened lazily."""
    loop = asyncio.get_running_loop()
    resources = _by_loop.get(loop)
    if resources is None or resources.closed:
        resources = _by_loop[loop] = LoopConnections()
        resources.guard = _guard(resources)
        await anext(resources.guard)
    return resources
