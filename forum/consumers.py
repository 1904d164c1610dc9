"""Live forum pages: an open thread receives new posts and edits; a thread list, new threads
and activity.

Services send the events on commit (see community.realtime's forum section);
these consumers only check who may listen and forward what arrives.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from community import realtime
from forum import access

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


@database_sync_to_async
def _thread_id(user, thread_id):
    try:
        return access.access_thread(user, thread_id).pk
    except Http404:
        return None


@database_sync_to_async
def _category_id(user, slug):
    try:
        return access.access_category(user, slug).pk
    except Http404:
        return None


class _ForumSocket(AsyncJsonWebsocketConsumer):
    async def _join(self, group: str | None) -> None:
        if group is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group = group
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "ready"})

    def _user(self):
        user = self.scope.get("user")
        return user if user is not None and user.is_authenticated else None

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "code": "invalid", "detail": "read-only socket"})


class ThreadConsumer(_ForumSocket):
    async def connect(self):
        user = self._user()
        if user is None:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        thread_id = await _thread_id(user, self.scope["url_route"]["kwargs"]["thread_id"])
        await self._join(realtime.forum_thread_group(thread_id) if thread_id else None)

    async def forum_post_new(self, event):
        await self.send_json({"type": "post", "post": event["post"]})

    async def forum_post_changed(self, event):
        await self.send_json({"type": "post_changed", "post": event["post"]})


class CategoryConsumer(_ForumSocket):
    async def connect(self):
        user = self._user()
        if user is None:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        category_id = await _category_id(user, self.scope["url_route"]["kwargs"]["slug"])
        await self._join(realtime.forum_category_group(category_id) if category_id else None)

    async def forum_thread_activity(self, event):
        await self.send_json({"type": "activity", "thread": event["thread"]})

    async def forum_thread_new(self, event):
        await self.send_json({"type": "thread", "thread": event["thread"]})
