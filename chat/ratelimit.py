"""A token bucket per member: type fast (a burst of 10), then one message a second.

The bucket is a row in the database (``chat.RateBucket``), so every daphne
process and every posting thread shares it, and a message on PostgreSQL takes
its token in the very statement that stores it (``chat.services``): one round
trip per message and nothing to take from Redis. Taking a token is a single
upsert, atomic in PostgreSQL and SQLite alike; a missing row is a full bucket.

The clock is the posting process's (seconds since the epoch, as a float). The
app servers' clocks are kept in sync (NTP); a clock running behind another
gains no tokens, as the bucket never counts time backwards.
"""

import time

from django.conf import settings
from django.db import connection

BURST = 10
RATE_PER_SECOND = 1.0

# The tokens the bucket holds at ``excluded.stamp``: refilled for the time
# since it was last taken from (never backwards), at most ``burst``. CASE
# rather than LEAST/GREATEST or MIN/MAX: the same text in every database.
_ELAPSED = (
    "CASE WHEN excluded.stamp > chat_ratebucket.stamp"
    " THEN excluded.stamp - chat_ratebucket.stamp ELSE 0 END"
)
_REFILLED = (
    f"CASE WHEN chat_ratebucket.tokens + ({_ELAPSED}) * %(rate)s < %(burst)s"
    f" THEN chat_ratebucket.tokens + ({_ELAPSED}) * %(rate)s ELSE %(burst)s END"
)

#: Take one token from ``%(member)s``'s bucket; a row comes back only if there was one.
#: ``chat.services`` runs it as a common table expression of the posting statement.
TAKE_SQL = f"""
INSERT INTO chat_ratebucket (member_id, tokens, stamp)
VALUES (%(member)s, %(burst)s - 1, %(clock)s)
ON CONFLICT (member_id) DO UPDATE SET
    tokens = {_REFILLED} - 1,
    stamp = CASE WHEN excluded.stamp > chat_ratebucket.stamp
        THEN excluded.stamp ELSE chat_ratebucket.stamp END
WHERE {_REFILLED} >= 1
RETURNING member_id
"""  # noqa: S608 (constants; the values are parameters)


def take_params(member_id: int) -> dict:
    """The parameters of ``TAKE_SQL``: the member, the limits in force, the clock now."""
    return {
        "member": member_id,
        "burst": float(getattr(settings, "CHAT_RATE_BURST", BURST)),
        "rate": float(getattr(settings, "CHAT_RATE_PER_SECOND", RATE_PER_SECOND)),
        "clock": time.time(),
    }


def take_token(member_id: int) -> bool:
    """Take one token from the member's bucket; False when it is empty."""
    with connection.cursor() as cursor:
        cursor.execute(TAKE_SQL, take_params(member_id))
        return cursor.fetchone() is not None
