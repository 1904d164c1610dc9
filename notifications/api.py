"""The bell's API: the newest notifications with the unread count, and marking them read."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications.serializers import NotificationSerializer


class NotificationListView(APIView):
    """The member's newest notifications and the unread count (for the bell)."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "NotificationList",
                {
                    "unread_count": serializers.IntegerField(),
                    "results": NotificationSerializer(many=True),
                },
            )
        }
    )
    def get(self, request):
        latest = selectors.notification_list(member=request.user)[:20]
        return Response(
            {
                "unread_count": selectors.notification_unread_count(member=request.user),
                "results": NotificationSerializer(latest, many=True).data,
            }
        )


class NotificationReadView(APIView):
    """Mark all (or ``{"ids": [...]}``) of the member's notifications read."""

    @extend_schema(
        request=inline_serializer(
            "NotificationReadRequest",
            {"ids": serializers.ListField(child=serializers.IntegerField(), required=False)},
        ),
        responses={
            200: inline_serializer("NotificationRead", {"marked": serializers.IntegerField()})
        },
    )
    def post(self, request):
        payload = serializers.ListField(child=serializers.IntegerField(), max_length=500)
        ids = request.data.get("ids") if isinstance(request.data, dict) else None
        if ids is not None:
            try:
                ids = payload.run_validation(ids)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"ids": exc.detail}) from exc
        marked = services.notifications_mark_read(member=request.user, ids=ids)
        return Response({"marked": marked})
