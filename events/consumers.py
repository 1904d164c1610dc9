"""Live seat counts on an event's page.

The page opens ``/ws/events/<id>/``; services broadcast ``event.seats`` to the
event's group on commit (events.realtime_events). Read-only for clients.
The socket closes with 4401 when its session or token ends (core.ws_auth)
and with 4404 when its member may no longer see the event (moved to another
municipality, a new role, the event's audience or organizers changed).
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from community.models import User
from core import realtime, ws_auth
from events import access
from events.realtime_events import seats_payload

CLOSE_NOT_AUTHENTICATED = ws_auth.CLOSE_NOT_AUTHENTICATED
CLOSE_NOT_FOUND = 4404
#: ``_visible_seats`` when the socket's credential ended meanwhile.
SIGNED_OUT = "signed out"


def _seats_if_visible(user, event_id):
    try:
        access.access_event(user, event_id)
    except Http404:
        return None
    return seats_payload(event_id=int(event_id))


@database_sync_to_async
def _visible_seats(scope, user, event_id):
    if not ws_auth.still_signed_in(scope, user):
        return SIGNED_OUT
    return _seats_if_visible(user, event_id)


@database_sync_to_async
def _still_visible(user_id: int, event_id: int) -> bool:
    """Whether the member, as stored now, may still see the event."""
    user = User.objects.filter(pk=user_id, is_active=True).select_related("municipality").first()
    return user is not None and _seats_if_visible(user, event_id) is not None


class EventSeatsConsumer(ws_auth.SocketLifetime, AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.authenticated_user()
        if user is None:
            await self.refuse(CLOSE_NOT_AUTHENTICATED)
            return
        await self.join_lifetime(user)
        event_id = self.scope["url_route"]["kwargs"]["event_id"]
        seats = await _visible_seats(self.scope, user, event_id)
        if seats == SIGNED_OUT:
            await self.refuse(CLOSE_NOT_AUTHENTICATED)
            return
        if seats is None:
            await self.refuse(CLOSE_NOT_FOUND)
            return
        self.user_id = user.pk
        self.event_id = int(event_id)
        self.group = realtime.event_group(self.event_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "seats", "seats": seats})

    async def disconnect(self, code):
        await self.leave_lifetime()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "code": "invalid", "detail": "read-only socket"})

    async def event_seats(self, event):
        await self.send_json({"type": "seats", "seats": event["seats"]})

    async def socket_recheck(self, event):
        if self.closing or not hasattr(self, "group"):
            return
        if not await _still_visible(self.user_id, self.event_id):
            await self.close(code=CLOSE_NOT_FOUND)
