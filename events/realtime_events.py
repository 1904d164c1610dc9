"""Broadcasting live seat counts to an event's open pages (see events.consumers).

Group name and event type live in core.realtime ("events" section).
"""

import asyncio
import logging

from core import realtime
from events.selectors import seat_counts
from events.serializers import EventSeatsSerializer

logger = logging.getLogger(__name__)


def seats_payload(*, event_id: int) -> dict | None:
    counts = seat_counts(event_id=event_id)
    return EventSeatsSerializer(counts).data if counts else None


def broadcast_seats(*, event_id: int) -> None:
    """Send the current counts; called on commit, so they are never ahead of the database."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # the normal case: a sync view or command in a thread without a loop
    else:
        # Sync code run inside an event loop (a test driving a browser) cannot
        # wait for the layer; the pages get the counts with the next change.
        logger.debug("seat broadcast skipped inside an event loop")
        return
    payload = seats_payload(event_id=event_id)
    if payload is None:
        return
    # A broken layer must not break a committed signup: group_send logs and goes on.
    realtime.group_send(
        realtime.event_group(event_id), {"type": realtime.EVENT_SEATS, "seats": payload}
    )
