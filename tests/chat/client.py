"""A chat client for tests that does what static/js/chat.js does.

It tracks ``seq``, keeps only the contiguous run of messages (so each message
is kept exactly once, in order), asks ``sync`` for whatever a gap or a
reconnect left out, and resends its own unconfirmed messages with the same
``client_id``. The transport is anything with async ``send(str)`` and
``recv() -> str`` (a WebsocketCommunicator adapter or a ``websockets`` socket).
"""

import asyncio
import itertools
import json
import time

_ids = itertools.count(1)


class CommunicatorTransport:
    def __init__(self, communicator):
        self.communicator = communicator

    async def send(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def recv(self) -> str:
        while True:
            try:
                return await self.communicator.receive_from(timeout=3600)
            except AssertionError:  # a binary frame or close: not for this client
                raise ConnectionError("socket closed") from None


class ChatClient:
    def __init__(self, transport, name: str = "client", resend_after: float = 2.0):
        self.transport = transport
        self.name = name
        self.resend_after = resend_after
        self.messages: list[dict] = []  # the contiguous run, seq 1..last_seq
        self.last_seq = 0
        self.room_last_seq = 0
        self.pending: dict[str, tuple[str, float]] = {}  # client_id -> (body, sent at)
        self.errors: list[dict] = []
        self.frames: list[dict] = []
        self.syncs = 0
        self.syncing = False
        self.ready = asyncio.Event()

    # --- sending -------------------------------------------------------------------
    async def say(self, body: str, client_id: str | None = None) -> str:
        client_id = client_id or f"{self.name}-{next(_ids)}"
        self.pending[client_id] = (body, time.monotonic())
        await self._send({"type": "message", "body": body, "client_id": client_id})
        return client_id

    async def sync(self) -> None:
        self.syncing = True
        self.syncs += 1
        await self._send({"type": "sync", "after": self.last_seq})

    async def _send(self, frame: dict) -> None:
        await self.transport.send(json.dumps(frame))

    async def resend_unconfirmed(self) -> None:
        now = time.monotonic()
        for client_id, (body, sent) in list(self.pending.items()):
            if now - sent >= self.resend_after:
                self.pending[client_id] = (body, now)
                await self._send({"type": "message", "body": body, "client_id": client_id})

    # --- receiving ------------------------------------------------------------------
    def _accept(self, messages: list[dict]) -> bool:
        """Keep what continues the run; report whether a gap showed."""
        gap = False
        for message in sorted(messages, key=lambda m: m["seq"]):
            self.room_last_seq = max(self.room_last_seq, message["seq"])
            if message["seq"] <= self.last_seq:
                continue  # seen already (a duplicate delivery or an overlap)
            if message["seq"] == self.last_seq + 1:
                self.messages.append(message)
                self.last_seq = message["seq"]
                self.pending.pop(message["client_id"], None)
            else:
                gap = True
        return gap

    async def handle(self, frame: dict) -> None:
        self.frames.append(frame)
        kind = frame.get("type")
        if kind == "ready":
            self.room_last_seq = max(self.room_last_seq, frame["last_seq"])
            self.ready.set()
            if frame["last_seq"] > self.last_seq:
                await self.sync()
        elif kind == "message":
            if self._accept([frame["message"]]) and not self.syncing:
                await self.sync()
        elif kind == "history":
            self.syncing = False
            gap = self._accept(frame["messages"])
            if frame["has_more"] or (gap and frame["messages"]):
                await self.sync()
        elif kind == "error":
            self.errors.append(frame)

    async def run(self) -> None:
        """Read frames until the socket closes (cancel the task to stop)."""
        while True:
            try:
                text = await self.transport.recv()
            except (ConnectionError, asyncio.CancelledError):
                return
            except Exception:  # websockets' ConnectionClosed and friends
                return
            await self.handle(json.loads(text))

    async def settle(self, expected_last_seq: int, timeout: float = 20.0) -> None:
        """Wait until the run reaches ``expected_last_seq``; resend and sync as chat.js."""
        deadline = time.monotonic() + timeout
        while self.last_seq < expected_last_seq or self.pending:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name}: have {self.last_seq}/{expected_last_seq}, "
                    f"{len(self.pending)} unconfirmed"
                )
            await asyncio.sleep(0.25)
            await self.resend_unconfirmed()
            if not self.syncing and self.last_seq < expected_last_seq:
                await self.sync()
