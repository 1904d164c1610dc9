"""The notification socket: the bell in the header, delivered live.

Every open page of a member joins that member's group; services send
``notification.new`` events to it on commit.
"""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from community import realtime

CLOSE_NOT_AUTHENTICATED = 4401


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        self.group = realtime.user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "ready"})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # Nothing to receive yet; say so instead of staying silent.
        await self.send_json({"type": "error", "code": "invalid", "detail": "read-only socket"})

    async def notification_new(self, event):
        await self.send_json({"type": "notification", "notification": event["notification"]})
