"""How a socket takes its room's events from the process's hub (issue 22): at once
while it has nothing else to do, after its own work while it is busy, never once
it is closing."""

import pytest

from chat import hub
from chat.consumers import ChatConsumer
from core import realtime


def _frame(text: str) -> dict:
    return {"type": realtime.CHAT_PRESENCE, "frame": text}


@pytest.fixture
def consumer():
    """A socket as daphne runs it, its writes collected instead of sent."""
    socket = ChatConsumer()
    socket.written = []

    async def send(message):
        socket.written.append(message["text"])

    socket.base_send = send
    return socket


async def test_an_idle_socket_writes_the_rooms_event_at_once(consumer):
    await consumer.room_event(_frame("eins"))
    assert consumer.written == ["eins"]
    assert not consumer.busy


async def test_a_busy_socket_writes_the_rooms_events_after_its_own_work_in_order(consumer):
    async def own_work(event):
        await consumer.room_event(_frame("zwei"))  # arrives while the socket works
        await consumer.room_event(_frame("drei"))
        await consumer.send(text_data="eigene Arbeit")

    consumer.own_work = own_work
    await consumer.dispatch({"type": "own.work"})
    assert consumer.written == ["eigene Arbeit", "zwei", "drei"]
    assert not consumer.busy and not consumer.backlog


async def test_a_busy_socket_that_falls_too_far_behind_drops_the_rest(consumer, monkeypatch):
    """Its client fills the gap with ``sync``, as after any gap."""
    monkeypatch.setattr(hub, "INBOX_LIMIT", 2)

    async def own_work(event):
        for n in range(5):
            await consumer.room_event(_frame(str(n)))

    consumer.own_work = own_work
    await consumer.dispatch({"type": "own.work"})
    assert consumer.written == ["0", "1"]


async def test_a_socket_whose_access_just_ended_writes_nothing_kept_or_new(consumer):
    """The room's events that came while the socket checked its access are not
    written once it closes (a member just removed from a private room)."""
    closed = []

    async def own_work(event):
        await consumer.room_event(_frame("nach dem Entfernen"))
        consumer.closing = True  # as close() sets it
        closed.append(True)

    consumer.own_work = own_work
    await consumer.dispatch({"type": "own.work"})
    await consumer.room_event(_frame("später"))
    assert closed and consumer.written == []


async def test_a_released_socket_takes_nothing(consumer):
    consumer.released = True
    await consumer.room_event(_frame("zu spät"))
    assert consumer.written == []
