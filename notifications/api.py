"""The bell's API: the newest notifications, marking them read, and the devices for Web Push."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_schema import THROTTLED, refusal
from notifications import push, selectors, services
from notifications.models import PushSubscription
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


# --- Web Push: this member's devices --------------------------------------------------
class PushSubscriptionSerializer(serializers.ModelSerializer):
    """One of the member's devices; never its keys, which only the push sender needs."""

    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "label", "created_at", "last_success_at"]
        read_only_fields = fields


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(trim_whitespace=False, max_length=100)
    auth = serializers.CharField(trim_whitespace=False, max_length=100)


class PushSubscriptionRequestSerializer(serializers.Serializer):
    """What ``PushSubscription.toJSON()`` gives in the browser (``expirationTime`` is ignored)."""

    endpoint = serializers.CharField(trim_whitespace=False, max_length=1000)
    keys = PushKeysSerializer()


def _push_disabled() -> Response:
    return Response(
        {
            "code": "push_disabled",
            "detail": _("Push-Benachrichtigungen sind auf dieser Plattform nicht eingerichtet."),
        },
        status=status.HTTP_409_CONFLICT,
    )


class PushConfigView(APIView):
    """Whether Web Push is on, and the VAPID public key to subscribe with."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "PushConfig",
                {
                    "enabled": serializers.BooleanField(),
                    "public_key": serializers.CharField(allow_null=True),
                },
            )
        }
    )
    def get(self, request):
        return Response({"enabled": push.push_enabled(), "public_key": push.public_key() or None})


class PushSubscriptionListView(generics.ListAPIView):
    """The member's devices (GET); POST registers this browser's subscription.

    400 for an endpoint that is no https address or keys that are not base64url
    of the right length; 409 when push is off on this platform.
    """

    serializer_class = PushSubscriptionSerializer

    def get_queryset(self):
        return push.push_subscription_list(member=self.request.user)

    @extend_schema(
        request=PushSubscriptionRequestSerializer,
        responses={
            200: PushSubscriptionSerializer,
            201: PushSubscriptionSerializer,
            409: refusal("Push-Benachrichtigungen sind auf dieser Plattform nicht eingerichtet."),
        },
    )
    def post(self, request):
        payload = PushSubscriptionRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not push.push_enabled():
            return _push_disabled()
        data = payload.validated_data
        subscription, created = push.push_subscription_save(
            member=request.user,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", "")[:500],
        )
        return Response(
            PushSubscriptionSerializer(subscription).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PushSubscriptionChangeSerializer(PushSubscriptionRequestSerializer):
    """The new subscription as ``toJSON()`` gives it, and the old one's endpoint and auth secret."""

    old_endpoint = serializers.CharField(trim_whitespace=False, max_length=1000)
    old_auth = serializers.CharField(trim_whitespace=False, max_length=100)


class PushSubscriptionChangeView(APIView):
    """The service worker's ``pushsubscriptionchange``: the browser's new subscription
    replaces its old one, which the request proves by its endpoint and auth secret.

    No session (the event fires without a page) and no token: the old subscription
    is the credential, so this needs no CSRF token either. 204 when replaced; 404
    when the old endpoint and secret name no device of an active member (or were
    replaced already); 400 for a new endpoint outside the known push services or
    another member's; 409 when push is off. Counted per address (429).
    """

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=PushSubscriptionChangeSerializer,
        responses={
            204: None,
            404: refusal("Kein solches Gerät."),
            409: refusal("Push-Benachrichtigungen sind auf dieser Plattform nicht eingerichtet."),
            429: THROTTLED,
        },
        auth=[],
    )
    def post(self, request):
        payload = PushSubscriptionChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not push.push_enabled():
            return _push_disabled()
        data = payload.validated_data
        replaced = push.push_subscription_replace(
            old_endpoint=data["old_endpoint"],
            old_auth=data["old_auth"],
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
        )
        if replaced is None:
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


class PushSubscriptionDetailView(APIView):
    """Remove one of the member's devices; another member's is missing (404)."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        if not push.push_subscription_delete(member=request.user, pk=pk):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
