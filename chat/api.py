"""REST API of the chat: rooms, message history, and what the chat page needs.

Views parse input, check access (chat.access; a missing and a forbidden room
are both 404) and call one service; see docs/api.md.
"""

from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import access, selectors, services
from chat.serializers import (
    MembershipUpdateSerializer,
    MessageEditSerializer,
    MessageListParamsSerializer,
    MessageSerializer,
    RoomCreateSerializer,
    RoomMemberSerializer,
    RoomSerializer,
)
from community.models import User
from core.api_versions import ETAG, IF_MATCH, PRECONDITION_FAILED, expected_version, with_etag

MESSAGE_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def _members_by_handle(viewer: User, handles: list[str]) -> list[User]:
    handles = list(dict.fromkeys(handles))
    found = list(User.objects.filter(handle__in=handles, is_active=True))
    missing = sorted(set(handles) - {m.handle for m in found})
    if missing:
        raise exceptions.ValidationError(
            {"members": [f"Unbekanntes Mitglied: {', '.join(missing)}"]}
        )
    return found


class RoomListView(ListAPIView):
    """The rooms a member sees, with unread counts; POST creates a private room."""

    serializer_class = RoomSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.room_list_for(member=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": self.request.user}

    @extend_schema(request=RoomCreateSerializer, responses={201: RoomSerializer})
    def post(self, request):
        payload = RoomCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if not access.can_create_room(request.user, data["kind"]):
            raise exceptions.PermissionDenied(str(services.ROOM_KIND_FORBIDDEN))
        members = _members_by_handle(request.user, data.get("members", []))
        room = services.room_create(
            created_by=request.user,
            name=data["name"],
            kind=data["kind"],
            slug=data.get("slug", ""),
            is_private=data.get("is_private"),
            members=members,
        )
        return Response(
            RoomSerializer(room, context={"viewer": request.user}).data,
            status=status.HTTP_201_CREATED,
        )


class RoomDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=RoomSerializer)
    def get(self, request, slug):
        room = access.access_room(request.user, slug)
        return Response(RoomSerializer(room, context={"viewer": request.user}).data)


class RoomMemberListView(ListAPIView):
    """Who is in the room, for its members: in a private or direct room exactly
    the people who can read it (its ``readable_by`` is "members")."""

    serializer_class = RoomMemberSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        room = access.access_room(self.request.user, self.kwargs["slug"])
        return selectors.room_members(room=room)


@extend_schema(
    parameters=[
        OpenApiParameter("after", OpenApiTypes.INT, description="Nachrichten mit größerem seq"),
        OpenApiParameter("before", OpenApiTypes.INT, description="die letzten mit kleinerem seq"),
        OpenApiParameter("page_size", OpenApiTypes.INT, description="bis 100"),
    ]
)
class MessageListView(APIView):
    """A room's messages, oldest first; ``after`` pages forward, ``before`` upward."""

    permission_classes = [permissions.IsAuthenticated]

    def _page_size(self, request) -> int:
        try:
            size = int(request.query_params.get("page_size", MESSAGE_PAGE_SIZE))
        except ValueError as exc:
            raise exceptions.ValidationError({"page_size": [_("Eine ganze Zahl.")]}) from exc
        return max(1, min(size, MAX_PAGE_SIZE))

    def _link(self, request, **params):
        params["page_size"] = self._page_size(request)
        return request.build_absolute_uri(request.path) + "?" + urlencode(params)

    @extend_schema(
        operation_id="chat_rooms_messages_list",
        responses=inline_serializer(
            "PaginatedChatMessageList",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": MessageSerializer(many=True),
            },
        ),
    )
    def get(self, request, slug):
        room = access.access_room(request.user, slug)
        params = MessageListParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        size = self._page_size(request)
        after = params.validated_data.get("after")
        before = params.validated_data.get("before")
        messages = selectors.message_list(room=room)
        if after is not None:
            rows, has_more = selectors.messages_after(room=room, after=after, limit=size)
            count = messages.filter(seq__gt=after).count()
        else:
            rows, has_more = selectors.messages_before(room=room, before=before, limit=size)
            count = messages.filter(seq__lt=before).count() if before else room.last_seq
        older = rows[0].seq if rows else (after + 1 if after is not None else before)
        newer = rows[-1].seq if rows else (after if after is not None else (before or 1) - 1)
        if after is not None:
            next_link = self._link(request, after=newer) if has_more else None
            previous_link = self._link(request, before=older) if older and older > 1 else None
        else:
            previous_link = self._link(request, before=older) if has_more else None
            next_link = (
                self._link(request, after=newer)
                if newer is not None and newer < room.last_seq
                else None
            )
        return Response(
            {
                "count": count,
                "next": next_link,
                "previous": previous_link,
                "results": MessageSerializer(rows, many=True).data,
            }
        )


class MessageDetailView(APIView):
    """Authors edit and delete their own messages; moderators remove any."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[ETAG], responses=MessageSerializer)
    def get(self, request, slug, seq):
        room = access.access_room(request.user, slug)
        message = access.access_message(request.user, room, seq)
        return with_etag(Response(MessageSerializer(message).data), message)

    @extend_schema(
        request=MessageEditSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={200: MessageSerializer, 412: PRECONDITION_FAILED},
    )
    def patch(self, request, slug, seq):
        """Edit one's own message; with If-Match only if it is still at that ETag."""
        room = access.access_room(request.user, slug)
        message = access.access_message(request.user, room, seq)
        if not access.can_change_message(request.user, message):
            raise exceptions.PermissionDenied(_("Nur die eigene Nachricht lässt sich bearbeiten."))
        payload = MessageEditSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        message = services.message_edit(
            message=message,
            body=payload.validated_data.get("body"),
            attachments=payload.validated_data.get("attachments"),
            expected_version=expected_version(request),
        )
        return with_etag(Response(MessageSerializer(message).data), message)

    @extend_schema(responses={204: None})
    def delete(self, request, slug, seq):
        room = access.access_room(request.user, slug)
        message = access.access_message(request.user, room, seq)
        if not (
            access.can_change_message(request.user, message)
            or access.can_moderate(request.user, room)
        ):
            raise exceptions.PermissionDenied(_("Nur die eigene Nachricht lässt sich löschen."))
        services.message_delete(message=message)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembershipView(APIView):
    """PATCH mutes a room or marks it read; DELETE leaves it."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=MembershipUpdateSerializer,
        responses=MembershipUpdateSerializer,
    )
    def patch(self, request, slug):
        room = access.access_room(request.user, slug)
        payload = MembershipUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.room_membership_update(
            room=room, member=request.user, **payload.validated_data
        )
        return Response(
            MembershipUpdateSerializer(
                {"muted": membership.muted, "last_read_seq": membership.last_read_seq}
            ).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request, slug):
        room = access.access_room(request.user, slug)
        services.room_leave(room=room, member=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomCloseView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=RoomSerializer)
    def post(self, request, slug):
        room = access.access_room(request.user, slug)
        if not access.can_moderate(request.user, room):
            raise exceptions.PermissionDenied(_("Nur die Moderation schließt Räume."))
        room = services.room_close(room=room)
        return Response(RoomSerializer(room, context={"viewer": request.user}).data)


class DirectRoomView(APIView):
    """Open (or reuse) the direct conversation with the given members."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "DirectRoomRequest",
            {"members": serializers.ListField(child=serializers.SlugField(), max_length=20)},
        ),
        responses=RoomSerializer,
    )
    def post(self, request):
        handles = request.data.get("members") if isinstance(request.data, dict) else None
        field = serializers.ListField(
            child=serializers.SlugField(max_length=60), min_length=1, max_length=20
        )
        try:
            handles = field.run_validation(handles)
        except serializers.ValidationError as exc:
            raise exceptions.ValidationError({"members": exc.detail}) from exc
        others = _members_by_handle(request.user, handles)
        room = services.direct_room_open(member=request.user, others=others)
        return Response(RoomSerializer(room, context={"viewer": request.user}).data)
