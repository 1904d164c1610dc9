"""The Redis channel layer leaves a receive that was cancelled, even when redis-py swallows
it, and reads a process's channels with one task."""

import asyncio
import contextlib

import pytest
from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer
from django.conf import settings

from core.channel_layer import RedisChannelLayer
from tests.conftest import require_service


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


@pytest.fixture
async def layer():
    require_service("redis", bool(settings.REDIS_URL))  # under CI: fail, never skip
    made = RedisChannelLayer(hosts=[settings.REDIS_URL], prefix=f"layer-test-{id(object())}")
    yield made
    await made.flush()


async def test_the_waiting_receivers_of_a_process_share_one_reading_task(layer):
    channels = [await layer.new_channel() for _ in range(50)]
    before = len(asyncio.all_tasks())
    receiving = [asyncio.ensure_future(layer.receive(c)) for c in channels]
    await asyncio.sleep(0.1)
    assert len(asyncio.all_tasks()) - before == 50 + 1  # the receivers and one reader
    for n, channel in enumerate(channels):
        await layer.send(channel, {"type": "hello", "n": n})
    received = await asyncio.wait_for(asyncio.gather(*receiving), timeout=5)
    assert [m["n"] for m in received] == list(range(50))  # each its own


async def test_a_message_for_a_busy_receiver_waits_for_its_next_receive(layer):
    busy, idle = await layer.new_channel(), await layer.new_channel()
    waiting = asyncio.ensure_future(layer.receive(idle))
    await layer.send(busy, {"type": "first"})
    await layer.send(busy, {"type": "second"})
    await layer.send(idle, {"type": "other"})
    assert (await asyncio.wait_for(waiting, timeout=5))["type"] == "other"
    assert (await asyncio.wait_for(layer.receive(busy), timeout=5))["type"] == "first"
    assert (await asyncio.wait_for(layer.receive(busy), timeout=5))["type"] == "second"


async def test_the_reader_stops_once_nobody_waits(layer, monkeypatch):
    monkeypatch.setattr(layer, "brpop_timeout", 0.1)
    receiving = asyncio.ensure_future(layer.receive(await layer.new_channel()))
    await asyncio.sleep(0.05)
    reader = layer.reader
    assert reader is not None and not reader.done()
    receiving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await receiving
    await asyncio.wait_for(asyncio.wait([reader]), timeout=3)
    assert reader.cancelled()


async def test_a_receiver_coming_while_the_idle_reader_stops_still_gets_its_messages(
    layer, monkeypatch
):
    monkeypatch.setattr(layer, "brpop_timeout", 0.1)
    read = BaseRedisChannelLayer._brpop_with_clean

    async def swallowing_read(self, index, channel, timeout):
        """As redis-py can: the cancellation vanishes and the read runs to its timeout."""
        try:
            return await read(self, index, channel, timeout)
        except asyncio.CancelledError:
            await asyncio.sleep(0.3)
            return None

    monkeypatch.setattr(BaseRedisChannelLayer, "_brpop_with_clean", swallowing_read)
    first = asyncio.ensure_future(layer.receive(await layer.new_channel()))
    await asyncio.sleep(0.05)
    old = layer.reader
    first.cancel()  # the process's last socket closes: the reader is told to stop
    with pytest.raises(asyncio.CancelledError):
        await first
    while not old.cancelling():
        await asyncio.sleep(0.01)
    channel = await layer.new_channel()
    receiving = asyncio.ensure_future(layer.receive(channel))  # a socket comes meanwhile
    await asyncio.wait_for(asyncio.wait([old]), timeout=3)
    await layer.send(channel, {"type": "hello"})
    assert (await asyncio.wait_for(receiving, timeout=3))["type"] == "hello"
