"""The chat's ASGI application with timestamps at each server stage, for bench/chat_load.py --trace.

Wraps, without changing them, the consumer's posting call, its message handler
and its room-event handler, and writes one line per stage event (wall clock)
to ``$CHAT_TRACE_DIR/<pid>.tsv``:

    post     client_id  received  stored  rung     (frame in, post returned, doorbell sent)
    deliver  client_id  event_in  sent             (room event taken, frame written)
    gc       generation start     stop             (a collection of the garbage collector)

    DJANGO_SETTINGS_MODULE=bench.chat_settings CHAT_TRACE_DIR=var/trace \\
    daphne bench.chat_traced:application
"""

import atexit
import contextvars
import gc
import json
import os
import time
from pathlib import Path

from config.asgi import application  # noqa: F401 (served by daphne; sets Django up first)

# isort: split
from chat import consumers, services

_out = open(  # noqa: SIM115 (open for the process's lifetime, closed at exit)
    Path(os.environ["CHAT_TRACE_DIR"]) / f"{os.getpid()}.tsv", "w", buffering=1 << 16
)
atexit.register(_out.close)

_post = services.message_post_async
_on_message = consumers.ChatConsumer.on_message
_chat_message = consumers.ChatConsumer.chat_message
_stored_at: contextvars.ContextVar[float] = contextvars.ContextVar("stored_at", default=0.0)


async def _traced_post(**kwargs):
    result = await _post(**kwargs)
    _stored_at.set(time.time())  # the consumer's own task: no other socket's value
    return result


async def on_message(self, content):
    received = time.time()
    await _on_message(self, content)
    stored = _stored_at.get() or received
    _out.write(f"post\t{content.get('client_id')}\t{received!r}\t{stored!r}\t{time.time()!r}\n")


async def chat_message(self, event):
    taken = time.time()
    await _chat_message(self, event)
    client_id = json.loads(event["frame"])["message"]["client_id"] if "frame" in event else ""
    _out.write(f"deliver\t{client_id}\t{taken!r}\t{time.time()!r}\n")


services.message_post_async = _traced_post
consumers.ChatConsumer.on_message = on_message
consumers.ChatConsumer.chat_message = chat_message


_gc_started = 0.0


def _gc_callback(phase, info):
    global _gc_started
    if phase == "start":
        _gc_started = time.time()
    else:
        _out.write(f"gc\t{info['generation']}\t{_gc_started!r}\t{time.time()!r}\n")


gc.callbacks.append(_gc_callback)
