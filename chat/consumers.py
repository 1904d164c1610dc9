"""The chat socket, speaking docs/api.md exactly.

It parses frames, checks access and calls one service; delivery guarantees
are the services' (stored before broadcast) and the clients' (``seq`` gaps are
filled with ``sync``). A bad frame gets an ``error`` frame and the socket stays
open; only refusals close it (4401, 4403, 4404), and the end of the session or
token that opened it (4401, core.ws_auth).
"""

import collections
import contextlib
import functools
import json
import logging
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from chat import access, coalesce, hub, presence, presence_relay, selectors, services
from chat.models import Room
from chat.serializers import message_payload
from community.models import User
from core import realtime, ws_auth, ws_language

logger = logging.getLogger(__name__)

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_SUCH_ROOM = 4404
ERROR_CODES = {"rate_limited", "too_long", "invalid"}
TYPING_EVERY_SECONDS = 2.0
#: A client may ask for the (up to 100 names long) presence list this often.
PRESENCE_EVERY_SECONDS = 2.0
#: Above this many people online nobody's typing is shown (as in Zulip's large
#: streams): a hint to 2,000 sockets per keystroke pause is noise and load.
TYPING_MAX_ONLINE = presence.LIST_LIMIT
#: In smaller rooms a process passes on at most this many typing hints per
#: room and second (on top of one per sender every TYPING_EVERY_SECONDS).
TYPING_PER_ROOM_PER_SECOND = 5
MAX_SEQ = 2**63 - 1  # a bigint; anything larger would be a database error


@database_sync_to_async
def _room_access(scope, user, slug):
    """The room's access, or (None, None) when the socket's credential ended meanwhile."""
    if not ws_auth.still_signed_in(scope, user):
        return None, None
    return access.room_access(user, slug)


@database_sync_to_async
def _may_stay(user_id: int, slug: str) -> User | None:
    """The member as stored now, if still allowed in (they may have moved or gone)."""
    user = User.objects.filter(pk=user_id, is_active=True).select_related("municipality").first()
    if user is None or access.room_access(user, slug)[0] is not access.Access.OK:
        return None
    return user


@database_sync_to_async
def _fetch_last_seq(room_id: int) -> int:
    return Room.objects.filter(pk=room_id).values_list("last_seq", flat=True).first() or 0


@database_sync_to_async
def _fetch_history(key: tuple[int, int]) -> str:
    """The ``history`` frame for (room, after), encoded once for every socket asking."""
    room_id, after = key
    messages, has_more = selectors.messages_after(room=Room(pk=room_id), after=after)
    frame = {
        "type": "history",
        "messages": [message_payload(m) for m in messages],
        "has_more": has_more,
    }
    return json.dumps(frame, separators=(",", ":"))


async def _last_seq(room_id: int) -> int:
    return await coalesce.coalescer("last_seq", _fetch_last_seq).get(room_id)


async def _history(room_id: int, after: int) -> str:
    return await coalesce.coalescer("history", _fetch_history).get((room_id, after))


# Room events that reach the socket as a frame with the message in it.
_FRAMES = {realtime.CHAT_MESSAGE: "message", realtime.CHAT_MESSAGE_CHANGED: "message_changed"}


def _frame(event: dict) -> str:
    frame = {"type": _FRAMES[event["type"]], "message": event["message"]}
    return json.dumps(frame, separators=(",", ":"))


class ChatConsumer(ws_auth.SocketLifetime, AsyncWebsocketConsumer):
    room: Room | None = None
    room_lost = False
    released = False
    busy = False
    backlog: collections.deque | None = None
    language = ""

    async def __call__(self, scope, receive, send):
        """Channels' ``AsyncConsumer.__call__``; the room's events come from the
        process's hub (chat.hub) through ``room_event``, not from a task of
        this socket's own."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send
        self.busy = False
        self.backlog = None  # made when first needed: most sockets are never busy for long
        try:
            with contextlib.suppress(StopConsumer):
                await await_many_dispatch([receive, self.channel_receive], self.dispatch)
        finally:
            # A socket whose client went away while it was being set up never gets
            # its disconnect: under a join storm daphne gives up on a handshake
            # after ``--websocket_connect_timeout`` (5 s), and ``accept`` then raises.
            # It lets go of the room and its groups all the same; before, each such
            # attempt left its socket in the hub for good (issue 22).
            await self.release()

    async def dispatch(self, message):
        """One event at a time: the client's frames, the member's own events, and
        the room's that arrived meanwhile (kept in ``backlog``), in that order.

        Channels' dispatch without its hop to the database thread before every
        event (``aclose_old_connections``): every database call here runs through
        database_sync_to_async, which closes old connections itself."""
        self.busy = True
        try:
            await self.handle(message)
            while self.backlog and not self.closing:
                await self.handle(self.backlog.popleft())
            self.backlog = None
        finally:
            self.busy = False

    async def handle(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def room_event(self, event: dict) -> None:
        """An event of the room, from the hub: written at once while the socket
        has nothing else to do, so a message to 2,000 sockets costs no task switch
        per socket (issue 22); kept for later while the socket is busy (joining,
        posting, checking its access), so nothing overtakes its own work; dropped
        past ``INBOX_LIMIT`` (its client fills the gap with ``sync``)."""
        if self.closing or self.released:
            return
        if self.busy:
            if self.backlog is None:
                self.backlog = collections.deque()
            elif len(self.backlog) >= hub.INBOX_LIMIT:
                logger.info("chat socket does not keep up; it will sync the gap")
                return
            self.backlog.append(event)
            return
        await self.dispatch(event)

    # --- lifecycle ---------------------------------------------------------------
    async def connect(self):
        user = self.authenticated_user()
        if user is None:
            await self.refuse(CLOSE_NOT_AUTHENTICATED)
            return
        slug = self.scope["url_route"]["kwargs"]["slug"]
        await self.join_lifetime(user)
        status, room = await _room_access(self.scope, user, slug)
        if status is None:
            await self.refuse(CLOSE_NOT_AUTHENTICATED)
            return
        if status is access.Access.MISSING:
            await self.refuse(CLOSE_NO_SUCH_ROOM)
            return
        if status is access.Access.FORBIDDEN:
            await self.refuse(CLOSE_FORBIDDEN)
            return
        self.user = user
        self.me = {"id": user.pk, "display_name": user.display_name}
        self.language = ws_language.socket_language(self.scope)
        self.room = room
        self.group = realtime.chat_room_group(room.pk)
        self.user_group = realtime.chat_user_group(user.pk)
        self.last_typing = 0.0
        self.last_presence = 0.0
        self.relay = presence_relay.relay()
        self.hub = hub.room_hub(hub.room_layer())
        await self.hub.join(room.pk, self)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        await self.accept()
        # Read after joining the group: nothing committed since can slip between.
        await self.send_json(
            {"type": "ready", "room": room.slug, "last_seq": await _last_seq(room.pk)}
        )
        try:
            online = await self.relay.join(room.pk, self)
        except Exception:
            logger.warning("chat presence unavailable", exc_info=True)
        else:
            await self.send(text_data=online)

    async def disconnect(self, code):
        await self.release()

    async def release(self) -> None:
        """Leave the room's hub, the groups and the presence: once, whichever
        way the socket ends (its disconnect, or an error while it was set up)."""
        if self.released:
            return
        self.released = True
        steps = [self.leave_lifetime]
        if self.room is not None:
            steps += [
                functools.partial(self.hub.leave, self.room.pk, self),
                functools.partial(
                    self.channel_layer.group_discard, self.user_group, self.channel_name
                ),
                functools.partial(self.relay.leave, self.room.pk, self),  # presence
            ]
        for step in steps:  # each on its own: Redis gone must not keep it in the hub
            try:
                await step()
            except Exception:
                logger.warning("chat socket could not let go of the room", exc_info=True)

    async def refresh_groups(self):
        """Join the member's groups again (idempotent): after a Redis restart, and
        before the layer's ``group_expiry`` would end the membership. Called by the
        process's presence heartbeat (chat.presence_relay), not by a task of each
        socket's own, and not at every beat."""
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        for group in self.lifetime_groups:
            await self.channel_layer.group_add(group, self.channel_name)

    # --- frames from the client ---------------------------------------------------
    async def send_json(self, content):
        await self.send(text_data=json.dumps(content, separators=(",", ":")))

    async def error(self, code: str, detail: str, **extra):
        await self.send_json({"type": "error", "code": code, "detail": detail, **extra})

    async def receive(self, text_data=None, bytes_data=None):
        if self.room_lost:
            return
        # The error details, the services' among them, in the member's language.
        with translation.override(self.language or settings.LANGUAGE_CODE):
            await self.on_frame(text_data)

    async def on_frame(self, text_data):
        if text_data is None:
            await self.error("invalid", _("Nur JSON-Textframes."))
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: "[[[[…" 64 KB deep
            await self.error("invalid", _("Kein gültiges JSON."))
            return
        if not isinstance(content, dict):
            await self.error("invalid", _("Ein Frame ist ein JSON-Objekt mit type."))
            return
        handler = {
            "message": self.on_message,
            "sync": self.on_sync,
            "typing": self.on_typing,
            "presence": self.on_presence,
        }.get(content.get("type"))
        if handler is None:
            await self.error("invalid", _("Unbekannter type."))
            return
        await handler(content)

    async def on_message(self, content):
        body, client_id = content.get("body"), content.get("client_id")
        extra = {"client_id": client_id} if isinstance(client_id, str) else {}
        try:
            message, created, outbox = await services.message_post_async(
                room=self.room,
                author=self.user,
                body=body,
                client_id=client_id,
                attachments=content.get("attachments"),
            )
        except ValidationError as exc:
            # A file that is not the sender's own unattached upload: "invalid", like any bad frame.
            code = getattr(exc, "code", None)
            if code == "forbidden":
                await self.close(code=CLOSE_FORBIDDEN)
                return
            code = code if code in ERROR_CODES else "invalid"
            await self.error(code, " ".join(exc.messages), **extra)
            return
        for group, event in outbox:  # committed: ring the doorbell from this loop
            if event["type"] in _FRAMES:  # encoded once here, not once per recipient
                event = {"type": event["type"], "frame": _frame(event)}
            try:
                await hub.group_send(group, event)
            except Exception:
                logger.warning("chat broadcast failed; clients will sync", exc_info=True)
        if not created:
            # A resend: answer with the stored message (its broadcast went out before).
            await self.send_json({"type": "message", "message": message_payload(message)})

    async def on_sync(self, content):
        after = content.get("after")
        if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= MAX_SEQ:
            await self.error("invalid", _("after muss eine ganze Zahl ≥ 0 sein."))
            return
        await self.send(text_data=await _history(self.room.pk, after))

    async def on_presence(self, content):
        now = time.monotonic()
        if now - self.last_presence < PRESENCE_EVERY_SECONDS:
            await self.error(
                "rate_limited", _("Die Anwesenheitsliste höchstens alle zwei Sekunden.")
            )
            return
        self.last_presence = now
        try:
            online = await presence_relay.list_text(self.room.pk)
        except Exception:
            logger.warning("chat presence unavailable", exc_info=True)
            await self.error("invalid", _("Anwesenheit ist gerade nicht verfügbar."))
            return
        await self.send(text_data=online)

    async def on_typing(self, content):
        now = time.monotonic()
        if now - self.last_typing < TYPING_EVERY_SECONDS:
            return  # typing is a hint; a flood of it is dropped, never stored
        self.last_typing = now
        if self.relay.count(self.room.pk) > TYPING_MAX_ONLINE:
            return
        if not self.relay.allow_typing(self.room.pk, TYPING_PER_ROOM_PER_SECOND):
            return
        try:
            await hub.group_send(
                self.group,
                {"type": realtime.CHAT_TYPING, "user": self.me, "channel": self.channel_name},
            )
        except Exception:  # Redis gone: a lost hint, not a reason to drop the socket
            logger.warning("chat typing broadcast failed", exc_info=True)

    # --- events from the room's group -------------------------------------------------
    async def chat_message(self, event):
        await self.send(text_data=event.get("frame") or _frame(event))

    async def chat_message_changed(self, event):
        await self.send(text_data=event.get("frame") or _frame(event))

    async def chat_typing(self, event):
        if event["user"]["id"] != self.me["id"]:
            await self.send_json({"type": "typing", "user": event["user"]})

    async def chat_presence(self, event):
        await self.send(text_data=event["frame"])

    async def chat_room_closed(self, event):
        self.room.is_closed = True
        await self.send_json({"type": "room_closed", "room": self.room.slug})

    # --- events from the member's own group ---------------------------------------------
    async def chat_access_changed(self, event):
        """Left, removed, moved or deactivated: stay only if still allowed in."""
        if self.closing or event["room_id"] not in (None, self.room.pk):
            return
        user = await _may_stay(self.me["id"], self.room.slug)
        if user is None:
            self.room_lost = True  # frames still queued from the client are dropped
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user  # the new municipality or role from now on
