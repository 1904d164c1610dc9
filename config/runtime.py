"""Tuning of a long-running worker process, applied once it has started."""

import gc

from daphne.http_protocol import WebRequest

# Young collections every 20,000 new container objects instead of 700: a
# request's or a chat message's short-lived cycles mostly die before they are
# promoted, and far fewer collections run mid-request.
GC_THRESHOLDS = (20_000, 5, 10)


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
