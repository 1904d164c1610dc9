"""Live forum pages: an open thread receives new posts and edits; a thread list, new threads
and activity.

Services send the events on commit (see core.realtime's forum section);
these consumers only check who may listen and forward what arrives. Every
member reads every category, so a socket ends only with its session or token
(4401, core.ws_auth).
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from core import realtime, ws_auth
from forum import access

CLOSE_NOT_AUTHENTICATED = ws_auth.CLOSE_NOT_AUTHENTICATED
CLOSE_NOT_FOUND = 4404
#: ``_thread_id``/``_category_id`` when the socket's credential ended meanwhile.
SIGNED_OUT = -1


@database_sync_to_async
def _thread_id(scope, user, thread_id):
    if not ws_auth.still_signed_in(scope, user):
        return SIGNED_OUT
    try:
        return access.access_thread(user, thread_id).pk
    except Http404:
        return None


@database_sync_to_async
def _category_id(scope, user, slug):
    if not ws_auth.still_signed_in(scope, user):
        return SIGNED_OUT
    try:
        return access.access_category(user, slug).pk
    except Http404:
        return None


class _ForumSocket(ws_auth.SocketLifetime, AsyncJsonWebsocketConsumer):
    async def _join(self, found: int | None, group) -> None:
        if found == SIGNED_OUT:
            await self.refuse(CLOSE_NOT_AUTHENTICATED)
            return
        if found is None:
            await self.refuse(CLOSE_NOT_FOUND)
            return
        self.group = group(found)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "ready"})

    async def disconnect(self, code):
        await self.leave_lifetime()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "code": "invalid", "detail": "read-only socket"})


class ThreadConsumer(_ForumSocket):
    async def connect(self):
        user = self.authenticated_user()
        if user is None:
            await self.refuse(CLOSE_NOT_AUTHENTICATED)
            return
        await self.join_lifetime(user)
        thread_id = self.scope["url_route"]["kwargs"]["thread_id"]
        await self._join(await _thread_id(self.scope, user, thread_id), realtime.forum_thread_group)

    async def forum_post_new(self, event):
        await self.send_json({"type": "post", "post": event["post"]})

    async def forum_post_changed(self, event):
        await self.send_json({"type": "post_changed", "post": event["post"]})


class CategoryConsumer(_ForumSocket):
    async def connect(self):
        user = self.authenticated_user()
        if user is None:
            await self.refuse(CLOSE_NOT_AUTHENTICATED)
            return
        await self.join_lifetime(user)
        slug = self.scope["url_route"]["kwargs"]["slug"]
        await self._join(await _category_id(self.scope, user, slug), realtime.forum_category_group)

    async def forum_thread_activity(self, event):
        await self.send_json({"type": "activity", "thread": event["thread"]})

    async def forum_thread_new(self, event):
        await self.send_json({"type": "thread", "thread": event["thread"]})
