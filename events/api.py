"""REST API of the events app, as ../shared/API.md describes it.

- ``/api/events/``: GET (filters ``from``, ``to``; also ``kind``, ``event_format``,
  ``state``, ``mine``), POST for organizers-to-be: coordinators (events hosted
  by their own municipality), moderators and administrators. The creator
  becomes an organizer.
- ``/api/events/<id>/``: GET; PATCH and DELETE (which cancels, the event stays
  visible as cancelled) for the event's organizers, moderators and administrators.
- ``/api/events/<id>/signup/``: POST → ``{"status", "position"}``; DELETE cancels
  and moves the first waitlisted person up.
- ``/api/events/<id>/attendees/``: GET, POST ``{"member"}``; DELETE
  ``/api/events/<id>/attendees/<member id>/`` (organizers).
- ``/api/events/<id>/ics``: the event as ``text/calendar``.
- ``/api/events/feed/``: GET the personal feed URL, POST renews it.

Views parse input, check access (events.access) and call one service.
"""

import datetime as dt
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from community.models import Municipality, State, User
from core.api_versions import ETAG, IF_MATCH, PRECONDITION_FAILED, expected_version, with_etag
from events import access, ical, selectors, services
from events.models import (
    AgendaItem,
    Audience,
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    Signup,
    SignupStatus,
)

SIGNUP_RESULT_CHOICES = [
    (SignupStatus.CONFIRMED.value, SignupStatus.CONFIRMED.label),
    (SignupStatus.WAITLISTED.value, SignupStatus.WAITLISTED.label),
]


# --- fields -------------------------------------------------------------------
class NamedEnumField(serializers.ChoiceField):
    """A choice field documented as its own named enum component.

    Fields named ``status`` and ``kind`` exist in other apps with other choices;
    naming the enum here keeps the schema free of drf-spectacular's naming
    collisions without ENUM_NAME_OVERRIDES entries in the settings.
    """

    def __init__(self, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(**kwargs)


class NamedEnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedEnumField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        values = [value for value in field.choices if value not in ("", None)]
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema={
                "type": "string",
                "enum": values,
                "description": "\n".join(f"* `{v}` - {field.choices[v]}" for v in values),
            },
        )
        auto_schema.registry.register_on_missing(component)
        if field.allow_null:
            return {"allOf": [component.ref], "nullable": True}
        return component.ref


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a bare wall-clock time would be a guess."""

    default_error_messages = {
        "offset_required": "Bitte mit Zeitzonen-Versatz angeben, z. B. 2026-10-25T10:00:00+01:00."
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            parsed = parse_datetime(value.strip()) if value.strip() else None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("offset_required")
        return super().to_internal_value(value)


class DateOrDateTimeField(serializers.Field):
    """A filter bound: a date (midnight, Europe/Berlin) or an ISO 8601 datetime."""

    default_error_messages = {"invalid": "Bitte ein Datum (2026-10-25) oder ISO 8601 angeben."}

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = str(data).strip()
        try:
            moment = parse_datetime(text)
            if moment is None:
                day = parse_date(text)
                if day is None:
                    self.fail("invalid")
                if self.end_of_day:
                    day += dt.timedelta(days=1)
                moment = dt.datetime.combine(day, dt.time())
        except (ValueError, OverflowError):
            self.fail("invalid")
        if not 1900 <= moment.year <= 9000:
            self.fail("invalid")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def to_representation(self, value):
        return value.isoformat()


# --- serializers ----------------------------------------------------------------
class OrganizerSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "display_name"]
        read_only_fields = fields


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["starts_at", "ends_at", "title", "speaker"]
        extra_kwargs = {"ends_at": {"required": False}, "speaker": {"required": False}}


class EventSerializer(serializers.ModelSerializer):
    """An event as the viewer sees it; ``online_url`` only for participants and organizers."""

    description_html = serializers.CharField(read_only=True)
    agenda = AgendaItemSerializer(source="agenda_items", many=True, read_only=True)
    organizers = OrganizerSerializer(many=True, read_only=True)
    hosting_municipality = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    audience_municipality = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    # Blank unless the audience is one state; the schema must allow "" (schemathesis).
    audience_state = serializers.ChoiceField(
        choices=State.choices, read_only=True, allow_blank=True
    )
    online_url = serializers.SerializerMethodField()
    confirmed_count = serializers.IntegerField(read_only=True)
    waitlist_count = serializers.IntegerField(read_only=True)
    kind = NamedEnumField(enum_name="EventKindEnum", choices=EventKind.choices, read_only=True)
    status = NamedEnumField(
        enum_name="EventStatusEnum", choices=EventStatus.choices, read_only=True
    )
    my_status = NamedEnumField(
        enum_name="MySignupStatusEnum",
        choices=SIGNUP_RESULT_CHOICES,
        read_only=True,
        allow_null=True,
    )
    my_position = serializers.IntegerField(read_only=True, allow_null=True)
    can_manage = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "uid",
            "title",
            "kind",
            "description",
            "description_html",
            "agenda",
            "organizers",
            "hosting_municipality",
            "starts_at",
            "ends_at",
            "timezone",
            "format",
            "location",
            "address",
            "online_url",
            "capacity",
            "signup_deadline",
            "audience",
            "audience_state",
            "audience_municipality",
            "status",
            "signups_closed",
            "sequence",
            "confirmed_count",
            "waitlist_count",
            "my_status",
            "my_position",
            "can_manage",
            "url",
            "ics_url",
        ]
        read_only_fields = fields

    def _viewer(self):
        return self.context["request"].user

    def get_online_url(self, event) -> str | None:
        viewer = self._viewer()
        if event.online_url and access.can_see_online_url(
            viewer, event, getattr(event, "my_status", None)
        ):
            return event.online_url
        return None

    def get_can_manage(self, event) -> bool:
        return access.can_manage_event(self._viewer(), event)

    def get_url(self, event) -> str:
        return settings.SITE_URL + event.get_absolute_url()

    def get_ics_url(self, event) -> str:
        return settings.SITE_URL + reverse("api_event_ics", kwargs={"pk": event.pk})

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Times in the event's own zone, with its offset: what a participant reads.
        zone = instance.zone
        for name in ("starts_at", "ends_at", "signup_deadline"):
            value = getattr(instance, name)
            data[name] = value.astimezone(zone).isoformat() if value else None
        return data


class EventWriteSerializer(serializers.ModelSerializer):
    """Input for creating (POST) and changing (PATCH) an event."""

    kind = NamedEnumField(enum_name="EventKindEnum", choices=EventKind.choices, required=False)
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    signup_deadline = AwareDateTimeField(required=False, allow_null=True)
    capacity = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=100_000
    )
    agenda = AgendaItemSerializer(many=True, required=False, max_length=100)
    organizers = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=User.objects.filter(is_active=True)
    )
    hosting_municipality = serializers.SlugRelatedField(
        slug_field="slug", queryset=Municipality.objects.all(), required=False, allow_null=True
    )
    audience_municipality = serializers.SlugRelatedField(
        slug_field="slug", queryset=Municipality.objects.all(), required=False, allow_null=True
    )
    audience_state = serializers.ChoiceField(
        choices=State.choices, required=False, allow_blank=True
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "description",
            "agenda",
            "organizers",
            "hosting_municipality",
            "starts_at",
            "ends_at",
            "timezone",
            "format",
            "location",
            "address",
            "online_url",
            "capacity",
            "signup_deadline",
            "audience",
            "audience_state",
            "audience_municipality",
            "signups_closed",
        ]


class SignupResultSerializer(serializers.Serializer):
    status = NamedEnumField(enum_name="MySignupStatusEnum", choices=SIGNUP_RESULT_CHOICES)
    position = serializers.IntegerField(allow_null=True)


class EventSeatsSerializer(serializers.Serializer):
    """The live seat display (also the WebSocket payload, see events.consumers)."""

    id = serializers.IntegerField()
    capacity = serializers.IntegerField(allow_null=True)
    confirmed_count = serializers.IntegerField()
    waitlist_count = serializers.IntegerField()
    seats_left = serializers.SerializerMethodField()
    signups_closed = serializers.BooleanField()
    status = NamedEnumField(enum_name="EventStatusEnum", choices=EventStatus.choices)

    def get_seats_left(self, row) -> int | None:
        if row["capacity"] is None:
            return None
        return max(row["capacity"] - row["confirmed_count"], 0)


class AttendeeSerializer(serializers.ModelSerializer):
    member = OrganizerSerializer(read_only=True)
    status = NamedEnumField(
        enum_name="SignupStatusEnum", choices=SignupStatus.choices, read_only=True
    )
    email = serializers.EmailField(source="member.email", read_only=True)
    municipality = serializers.CharField(
        source="member.municipality.name", default=None, read_only=True
    )

    class Meta:
        model = Signup
        fields = ["member", "email", "municipality", "status", "position", "created_at"]
        read_only_fields = fields


class AttendeeAddSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


class EventFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EventKind.choices, required=False, allow_blank=True)
    # "format" itself is DRF's renderer switch (?format=json), hence the longer name.
    event_format = serializers.ChoiceField(
        choices=EventFormat.choices, required=False, allow_blank=True
    )
    state = serializers.ChoiceField(choices=State.choices, required=False, allow_blank=True)
    mine = serializers.BooleanField(required=False, default=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = DateOrDateTimeField(required=False)
        fields["to"] = DateOrDateTimeField(required=False, end_of_day=True)
        return fields


class FeedSerializer(serializers.Serializer):
    url = serializers.URLField()


def _raise_for(exc: ValidationError):
    raise exc


# --- views ----------------------------------------------------------------------
@extend_schema(tags=["events"])
def _check_audience(user, data: dict, event=None) -> None:
    """403 for an audience the user may not address (another municipality's calendar)."""
    audience = data.get("audience", event.audience if event else Audience.NETWORK)
    state = data.get("audience_state", event.audience_state if event else "")
    municipality = data.get("audience_municipality", event.audience_municipality if event else None)
    if audience != Audience.MUNICIPALITY:
        municipality = None
    if audience != Audience.STATE:
        state = ""
    if (audience == Audience.STATE and not state) or (
        audience == Audience.MUNICIPALITY and municipality is None
    ):
        return  # incomplete: the service names the missing field (400)
    if event is not None and (audience, state, getattr(municipality, "pk", None)) == (
        event.audience,
        event.audience_state,
        event.audience_municipality_id,
    ):
        return
    if not access.can_address(user, audience, state, getattr(municipality, "pk", None)):
        raise exceptions.PermissionDenied(
            _(
                "Termine gehen nur an das ganze Netzwerk, das eigene Bundesland oder die "
                "eigene Kommune."
            )
        )


class EventViewSet(viewsets.GenericViewSet):
    serializer_class = EventSerializer
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.event_list(viewer=self.request.user)

    def _event(self, pk) -> Event:
        return access.access_event(self.request.user, pk)

    def _managed_event(self, pk) -> Event:
        event = self._event(pk)
        if not access.can_manage_event(self.request.user, event):
            raise exceptions.PermissionDenied(
                _(
                    "Nur die Organisation des Termins, die Moderation und die Administration "
                    "dürfen das."
                )
            )
        return event

    def _fresh(self, pk):
        return EventSerializer(self._event(pk), context={"request": self.request}).data

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.STR, description="Termine, die danach enden (Datum/ISO 8601)"
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.STR,
                description="Termine, die davor beginnen (Datum inklusive/ISO 8601)",
            ),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=EventKind.values),
            OpenApiParameter("event_format", OpenApiTypes.STR, enum=EventFormat.values),
            OpenApiParameter("state", OpenApiTypes.STR, description="Bundesland, z. B. HE"),
            OpenApiParameter("mine", OpenApiTypes.BOOL, description="nur eigene Termine"),
        ],
        responses=EventSerializer(many=True),
    )
    def list(self, request):
        filters = EventFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        events = selectors.event_filter(
            self.get_queryset(),
            starts_from=data.get("from"),
            starts_before=data.get("to"),
            kind=data.get("kind", ""),
            format=data.get("event_format", ""),
            state=data.get("state", ""),
            mine_of=request.user if data.get("mine") else None,
        )
        page = self.paginate_queryset(events)
        return self.get_paginated_response(
            EventSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(request=EventWriteSerializer, responses={201: EventSerializer})
    def create(self, request):
        if not access.can_create_events(request.user):
            raise exceptions.PermissionDenied(
                _(
                    "Termine legen die Koordination einer Kommune, die Moderation und die "
                    "Administration an."
                )
            )
        payload = EventWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.setdefault("hosting_municipality", request.user.municipality)
        if not access.can_host_in(request.user, data["hosting_municipality"]):
            raise exceptions.PermissionDenied(
                _("Die Koordination legt Termine nur für die eigene Kommune an.")
            )
        _check_audience(request.user, data)
        try:
            event = services.event_create(created_by=request.user, **data)
        except ValidationError as exc:
            _raise_for(exc)
        return Response(self._fresh(event.pk), status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ETAG])
    def retrieve(self, request, pk=None):
        event = self._event(pk)
        return with_etag(Response(EventSerializer(event, context={"request": request}).data), event)

    @extend_schema(
        request=EventWriteSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={200: EventSerializer, 412: PRECONDITION_FAILED},
    )
    def partial_update(self, request, pk=None):
        """Change the event; with If-Match only if nobody changed it since that ETag."""
        event = self._managed_event(pk)
        payload = EventWriteSerializer(event, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if "hosting_municipality" in data and not access.can_host_in(
            request.user, data["hosting_municipality"]
        ):
            raise exceptions.PermissionDenied(
                _("Die Koordination legt Termine nur für die eigene Kommune an.")
            )
        if {"audience", "audience_state", "audience_municipality"} & set(data):
            _check_audience(request.user, data, event=event)
        try:
            services.event_update(
                event=event, expected_version=expected_version(request), by=request.user, **data
            )
        except ValidationError as exc:
            _raise_for(exc)
        event = self._event(pk)
        return with_etag(Response(EventSerializer(event, context={"request": request}).data), event)

    @extend_schema(
        responses={204: None}, description="Sagt den Termin ab; er bleibt als abgesagt sichtbar."
    )
    def destroy(self, request, pk=None):
        event = self._managed_event(pk)
        services.event_cancel(event=event, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["POST"], request=None, responses={201: SignupResultSerializer})
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"], url_path="signup")
    def signup(self, request, pk=None):
        event = self._event(pk)
        try:
            if request.method == "DELETE":
                services.signup_cancel(event=event, member=request.user)
                return Response(status=status.HTTP_204_NO_CONTENT)
            signup = services.signup_create(event=event, member=request.user)
        except ValidationError as exc:
            _raise_for(exc)
        return Response(SignupResultSerializer(signup).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=AttendeeSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=AttendeeAddSerializer, responses={201: AttendeeSerializer}
    )
    @action(detail=True, methods=["get", "post"], url_path="attendees")
    def attendees(self, request, pk=None):
        event = self._managed_event(pk)
        if request.method == "GET":
            page = self.paginate_queryset(selectors.attendee_list(event=event))
            return self.get_paginated_response(AttendeeSerializer(page, many=True).data)
        payload = AttendeeAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            signup = services.signup_create(
                event=event, member=payload.validated_data["member"], added_by=request.user
            )
        except ValidationError as exc:
            _raise_for(exc)
        return Response(AttendeeSerializer(signup).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"attendees/(?P<member_id>[0-9]+)",
        url_name="attendee-remove",
    )
    def attendee_remove(self, request, pk=None, member_id=None):
        event = self._managed_event(pk)
        member = User.objects.filter(pk=access.parse_id(member_id)).first()
        if member is None:
            raise exceptions.NotFound()
        try:
            services.signup_cancel(event=event, member=member, by=request.user)
        except ValidationError as exc:
            _raise_for(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses=FeedSerializer)
    @extend_schema(methods=["POST"], request=None, responses=FeedSerializer)
    @action(detail=False, methods=["get", "post"], url_path="feed")
    def feed(self, request):
        """The secret URL of the personal calendar feed; POST renews it (the old one dies)."""
        if request.method == "POST":
            token = services.calendar_feed_renew(member=request.user)
        else:
            token = services.calendar_feed_token(member=request.user)
        url = settings.SITE_URL + reverse("events:feed", kwargs={"token": token})
        return Response({"url": url})


class ICalendarRenderer(renderers.BaseRenderer):
    """Lets calendar clients ask for ``Accept: text/calendar``; errors stay readable JSON."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


class EventIcsView(APIView):
    """One event as an iCalendar file (RFC 5545)."""

    renderer_classes = [renderers.JSONRenderer, ICalendarRenderer]

    @extend_schema(
        tags=["events"],
        responses={(200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR)},
    )
    def get(self, request, pk):
        event = access.access_event(request.user, pk)
        response = HttpResponse(
            ical.event_calendar(event, viewer=request.user),
            content_type="text/calendar; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"termin-{event.pk}.ics"
        )
        return response
