"""Live seat counts on an event's page.

The page opens ``/ws/events/<id>/``; services broadcast ``event.seats`` to the
event's group on commit (events.realtime_events). Read-only for clients.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from community import realtime

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


@database_sync_to_async
def _visible_seats(user, event_id):
    from events import access
    from events.realtime_events import seats_payload

    try:
        access.access_event(user, event_id)
    except Http404:
        return None
    return seats_payload(event_id=int(event_id))


class EventSeatsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        event_id = self.scope["url_route"]["kwargs"]["event_id"]
        seats = await _visible_seats(user, event_id)
        if seats is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group = realtime.event_group(int(event_id))
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "seats", "seats": seats})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "code": "invalid", "detail": "read-only socket"})

    async def event_seats(self, event):
        await self.send_json({"type": "seats", "seats": event["seats"]})
