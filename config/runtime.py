"""Tuning of a long-running worker process, applied once it has started."""

import gc

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
