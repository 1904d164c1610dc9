"""The Redis channel layer leaves a receive that was cancelled, even when redis-py swallows it."""

import asyncio
import contextlib

import pytest
from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer

from core.channel_layer import RedisChannelLayer


async def test_a_cancelled_receive_ends_even_if_the_blocking_read_swallows_the_cancellation(
    monkeypatch,
):
    reads = []

    async def swallowing_bzpopmin(self, index, channel, timeout):
        """What redis-py can do: the cancellation vanishes inside the read."""
        reads.append(channel)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0.05)
        return None

    monkeypatch.setattr(BaseRedisChannelLayer, "_brpop_with_clean", swallowing_bzpopmin)
    layer = RedisChannelLayer(hosts=["redis://127.0.0.1:6379/15"])
    channel = await layer.new_channel()
    receiving = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0.12)  # a couple of empty reads, as an idle consumer does
    receiving.cancel()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(receiving, timeout=2)
    assert len(reads) >= 2


async def test_an_idle_receive_keeps_waiting(monkeypatch):
    async def empty_bzpopmin(self, index, channel, timeout):
        await asyncio.sleep(0.01)

    monkeypatch.setattr(BaseRedisChannelLayer, "_brpop_with_clean", empty_bzpopmin)
    layer = RedisChannelLayer(hosts=["redis://127.0.0.1:6379/15"])
    receiving = asyncio.ensure_future(layer.receive(await layer.new_channel()))
    await asyncio.sleep(0.1)
    assert not receiving.done()
    receiving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await receiving
