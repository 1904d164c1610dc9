"""The Redis channel layer, made to leave when its consumer is cancelled.

channels_redis receives by looping over BZPOPMIN (five seconds at a time) until
a message arrives. redis-py can swallow a CancelledError that arrives while such
a blocking read is in flight; the loop then simply carries on, and a consumer
whose socket is gone never finishes: daphne keeps it forever, and an asyncio
runner that cancels it on shutdown (every async test) waits forever. A task
that is being cancelled therefore stops at the next empty read: at most
``brpop_timeout`` later, and never with a message lost (a popped message stays
in channels_redis's backup queue until it is processed).
"""

import asyncio
import logging

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer

logger = logging.getLogger(__name__)


class RedisChannelLayer(BaseRedisChannelLayer):
    async def _brpop_with_clean(self, index, channel, timeout):
        member = await super()._brpop_with_clean(index, channel, timeout)
        task = asyncio.current_task()
        if member is None and task is not None and task.cancelling():
            logger.warning("Channel layer receive on %s was cancelled; leaving it", channel)
            raise asyncio.CancelledError
        return member
