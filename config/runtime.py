"""Tuning of a long-running worker process, applied once it has started."""

import asyncio
import gc
import io
import logging
import os
import pprint
import weakref
from functools import partial

import daphne
from daphne.http_protocol import WebRequest
from daphne.server import Server

# Young collections every 20,000 new container objects instead of 700: a
# request's or a chat message's short-lived cycles mostly die before they are
# promoted, and far fewer collections run mid-request.
GC_THRESHOLDS = (20_000, 5, 10)

# The daphne release whose Server.create_application _create_application follows.
DAPHNE_SERIES = "4.2."
logger = logging.getLogger(__name__)


def settle_heap() -> None:
    """Keep the cyclic garbage collector's pauses short.

    A started worker holds some 150,000 objects (Django, DRF, the URLconf,
    models, templates) that live as long as the process. Every full collection
    walked them all: 50-180 ms measured, during which the process serves no
    request and delivers no chat message (docs/performance.md). ``gc.freeze()``
    moves them out of the collector's sight; objects made later are collected
    as before.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# The autobahn series whose every use of ``pformat`` in autobahn.websocket.protocol
# was read: debug lines and ``Timings.__str__`` (a new series is read again first).
AUTOBAHN_SERIES = "26."


class _Deferred:
    """A value formatted only when a log line that names it is written
    (by ``function``: pretty-printed unless told otherwise)."""

    __slots__ = ("function", "value")

    def __init__(self, value, function=pprint.pformat) -> None:
        self.value = value
        self.function = function

    def __str__(self) -> str:
        return self.function(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def format_websocket_options_lazily() -> None:
    """Pretty-print autobahn's per-connection option dump only when it is logged.

    Every WebSocket connection's ``_connectionMade`` hands a ``pformat`` of its
    some 40 protocol options to a debug log line that is off in production:
    the formatting ran anyway, about a tenth of a daphne process's main thread
    while 2,000 sockets joined (py-spy, docs/performance.md, issue 22). Now the
    debug line gets an object that formats itself when the line is written.
    """
    import autobahn
    from autobahn import util
    from autobahn.websocket import protocol

    if not autobahn.__version__.startswith(AUTOBAHN_SERIES):
        logger.warning(
            "autobahn %s is not %sx: its option dumps are formatted as before (config/runtime.py)",
            autobahn.__version__,
            AUTOBAHN_SERIES,
        )
        return
    protocol.pformat = _Deferred
    # The module's one use of pformat that must return a string at once.
    protocol.Timings.__str__ = lambda self: pprint.pformat(self._timings)
    # Every frame sent names its method and size in a debug line, coloured by
    # click: about a twentieth of a daphne process writing a message to 2,000
    # sockets (py-spy, docs/performance.md, issue 22). The module uses them in
    # debug lines only; they colour now when such a line is written.
    protocol.hltype = lambda obj: _Deferred(obj, util.hltype)
    protocol.hlval = lambda val, *args, **kwargs: _Deferred(
        val, lambda v: util.hlval(v, *args, **kwargs)
    )


def keep_request_bodies_out_of_twisted() -> None:
    """Leave request bodies to Django under daphne.

    Twisted's ``Request`` parses every ``multipart/form-data`` and urlencoded
    POST into ``request.args`` before daphne sees the request: the whole body
    read into memory and taken apart by the ``email`` package, several copies
    of it (one upload of 25 MB cost a worker +205 MiB, docs/performance.md),
    and a body it cannot parse is answered with a bare 400 before Django
    could explain. daphne never reads ``request.args``. Twisted's switch
    (``parsePOSTFormSubmission``) cannot be passed through daphne, so the
    attribute is pinned to off on daphne's request class (a data descriptor
    wins over the assignment in ``Request.__init__``).
    """
    WebRequest._parsePOSTFormSubmission = property(lambda self: False, lambda self, value: None)


class _BodyFromDisk(asyncio.Queue):
    """daphne's input queue for one HTTP request, holding offsets, not the body.

    daphne puts a request's whole body into this queue at once, in 8 KiB
    messages, before the application reads the first (django/daphne#483): an
    upload of 25 MB sat in the worker's heap until Django had copied it to
    disk. Twisted already keeps a body over 100 KB in a temporary file; this
    queue remembers where each piece lies in it and reads the piece back only
    when the application asks for it. The file is read through a duplicate of
    its descriptor, closed with the queue, so that Twisted closing its own
    never lets the queue read another file.
    """

    def __init__(self, content):
        super().__init__()
        self._fd = os.dup(content.fileno())
        self._offset = 0
        weakref.finalize(self, os.close, self._fd)

    def put_nowait(self, item):
        if item.get("type") == "http.request" and item.get("body"):
            length = len(item["body"])
            item = {**item, "body": None, "_at": (self._offset, length)}
            self._offset += length
        super().put_nowait(item)

    async def get(self):
        item = await super().get()
        if "_at" in item:
            offset, length = item.pop("_at")
            item["body"] = os.pread(self._fd, length, offset)
        return item


def _on_disk(content) -> bool:
    return content is not None and not isinstance(content, io.BytesIO) and not content.closed


def _create_application(self, protocol, scope):
    """daphne's ``Server.create_application`` (4.2), with the queue above for
    HTTP requests whose body Twisted holds in a file."""
    assert "application_instance" not in self.connections[protocol]
    content = getattr(protocol, "content", None) if scope.get("type") == "http" else None
    input_queue = _BodyFromDisk(content) if _on_disk(content) else asyncio.Queue()
    scope.setdefault("asgi", {"version": "3.0"})
    application_instance = self.application(
        scope=scope, receive=input_queue.get, send=partial(self.handle_reply, protocol)
    )
    if protocol not in self.connections:
        return None
    self.connections[protocol]["application_instance"] = asyncio.ensure_future(
        application_instance, loop=asyncio.get_event_loop()
    )
    return input_queue


def feed_request_bodies_from_disk() -> None:
    """Let daphne hand a request body to the application piece by piece from
    Twisted's temporary file instead of all at once from memory.

    Only on the daphne series the replacement was written from (pyproject pins
    it): on another, daphne's own method stays, uploads cost memory again, and
    the log says so.
    """
    if not daphne.__version__.startswith(DAPHNE_SERIES):
        logger.warning(
            "daphne %s is not %sx: request bodies are read into memory (config/runtime.py)",
            daphne.__version__,
            DAPHNE_SERIES,
        )
        return
    Server.create_application = _create_application
