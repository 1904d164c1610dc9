"""The notification socket: the bell in the header, delivered live.

Every open page of a member joins that member's group; services send
``notification.new`` events to it on commit (frame ``notification`` with
the entry and ``unread_count``), and ``notification.count`` when entries were
read or withdrawn (frame ``count`` with ``unread_count``); and the number of
chat rooms with unread messages for the navigation when it changed (frame
``chat_unread`` with ``unread_rooms``, from chat). Only members with a
bell socket open are sent to (``notifications.online``). It closes (4401) when the
session or token that opened it ends, or the member is deactivated.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core import realtime, ws_auth
from notifications import online

CLOSE_NOT_AUTHENTICATED = ws_auth.CLOSE_NOT_AUTHENTICATED

_still_signed_in = database_sync_to_async(ws_auth.still_signed_in)


class NotificationConsumer(ws_auth.SocketLifetime, AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.authenticated_user()
        if user is None:
            await self.refuse(CLOSE_NOT_AUTHENTICATED)
            return
        await self.join_lifetime(user)
        if not await _still_signed_in(self.scope, user):
            await self.refuse(CLOSE_NOT_AUTHENTICATED)
            return
        self.group = realtime.user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        # Counted as online before the first frame: nothing sent after ``ready`` is missed.
        await online.relay().connected(user.pk)
        self.counted = user.pk
        await self.accept()
        await self.send_json({"type": "ready"})

    async def disconnect(self, code):
        await self.leave_lifetime()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if hasattr(self, "counted"):
            await online.relay().disconnected(self.counted)
            del self.counted

    async def receive_json(self, content, **kwargs):
        # Nothing to receive yet; say so instead of staying silent.
        await self.send_json({"type": "error", "code": "invalid", "detail": "read-only socket"})

    async def notification_new(self, event):
        frame = {"type": "notification", "notification": event["notification"]}
        if "unread_count" in event:
            frame["unread_count"] = event["unread_count"]
        await self.send_json(frame)

    async def notification_count(self, event):
        """Read or withdrawn elsewhere: the bell shows the new count."""
        await self.send_json({"type": "count", "unread_count": event["unread_count"]})

    async def chat_unread(self, event):
        """The navigation's chat count (chat.unread_live): every page has this socket."""
        await self.send_json({"type": "chat_unread", "unread_rooms": event["unread_rooms"]})
