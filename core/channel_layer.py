"""The Redis channel layer: leaves when its consumer is cancelled, and reads a
process's channels with one task.

channels_redis receives by looping over BZPOPMIN (five seconds at a time) until
a message arrives. redis-py can swallow a CancelledError that arrives while such
a blocking read is in flight; the loop then simply carries on, and a consumer
whose socket is gone never finishes: daphne keeps it forever, and an asyncio
runner that cancels it on shutdown (every async test) waits forever. A task
that is being cancelled therefore stops at the next empty read: at most
``brpop_timeout`` later, and never with a message lost (a popped message stays
in channels_redis's backup queue until it is processed).

All of a process's channels (``new_channel``) share one Redis key. channels_redis
lets every waiting receiver race for the right to read it, with two tasks of its
own per receiver (one waiting for the read lock, one for its buffer): about
3 KiB of heap per idle socket, the largest part of what a chat socket held
beyond the bare consumer's (docs/performance.md, issue 22). Here one reader task
per layer and event loop reads the key while anyone waits and hands each message
to its channel's buffer; a receiver only waits on its buffer.
"""

import asyncio
import logging

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer

logger = logging.getLogger(__name__)

#: Pause after the reader failed to read (Redis gone), before it tries again.
READ_RETRY_SECONDS = 0.5


class RedisChannelLayer(BaseRedisChannelLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reader: asyncio.Task | None = None
        #: A reader told to stop that has not finished yet (its blocking read may run on
        #: for up to ``brpop_timeout``): the next reader waits for it.
        self.stopping: asyncio.Task | None = None
        self.waiting = 0

    async def _brpop_with_clean(self, index, channel, timeout):
        member = await super()._brpop_with_clean(index, channel, timeout)
        task = asyncio.current_task()
        if member is None and task is not None and task.cancelling():
            logger.warning("Channel layer receive on %s was cancelled; leaving it", channel)
            raise asyncio.CancelledError
        return member

    async def receive(self, channel):
        """The next message of ``channel``; a process's channels from the one reader."""
        if "!" not in channel:
            return await super().receive(channel)
        assert self.require_valid_channel_name(channel)
        real_channel = self.non_local_name(channel)
        assert real_channel.endswith(self.client_prefix + "!"), "Wrong client prefix"
        queue = self.receive_buffer[channel]
        self.waiting += 1
        try:
            if queue.empty():
                self._start_reader(real_channel)
            message = await queue.get()
        except asyncio.CancelledError:
            # As channels_redis: a receiver that leaves takes its channel's buffer along.
            if self.receive_buffer.get(channel) is queue:
                del self.receive_buffer[channel]
            raise
        finally:
            self.waiting -= 1
            if not self.waiting:
                asyncio.get_running_loop().call_later(self.brpop_timeout, self._stop_if_idle)
        if queue.empty() and self.receive_buffer.get(channel) is queue:
            del self.receive_buffer[channel]
        return message

    def _start_reader(self, real_channel: str) -> None:
        loop = asyncio.get_running_loop()
        if self.reader is None or self.reader.done() or self.reader.get_loop() is not loop:
            self.reader = loop.create_task(self._read(real_channel, after=self.stopping))

    def _stop_if_idle(self) -> None:
        """Nobody waited for a while (the process's last socket closed): stop reading.

        A receiver that comes while the reader is still stopping starts a new one, which
        reads once the old one has finished: never two readers at once (each puts back
        what the other holds in its backup queue), never a receiver without one."""
        if not self.waiting and self.reader is not None and not self.reader.done():
            self.reader.cancel()
            self.stopping, self.reader = self.reader, None

    async def _read(self, real_channel: str, after: asyncio.Task | None = None) -> None:
        if (
            after is not None
            and not after.done()
            and after.get_loop() is asyncio.get_running_loop()
        ):
            await asyncio.wait([after])
        while True:
            try:
                message_channel, message = await self.receive_single(real_channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                if asyncio.current_task().cancelling():  # redis-py made it another error
                    raise asyncio.CancelledError from None
                logger.warning("Channel layer could not read; retrying", exc_info=True)
                await asyncio.sleep(READ_RETRY_SECONDS)
                continue
            channels = message_channel if isinstance(message_channel, list) else [message_channel]
            for channel in channels:
                self.receive_buffer[channel].put_nowait(message)

    async def flush(self):
        readers = [self.reader, self.stopping]
        self.reader = self.stopping = None
        for reader in readers:
            if reader is not None and not reader.done():
                reader.cancel()
                if reader.get_loop() is asyncio.get_running_loop():
                    await asyncio.wait([reader])
        await super().flush()
