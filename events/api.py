"""REST API of the events app, as docs/api.md describes it.

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

import json

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from community.models import User
from core.api_versions import ETAG, IF_MATCH, PRECONDITION_FAILED, expected_version, with_etag
from events import access, feeds, ical, selectors, services
from events.models import Event, EventFormat, EventKind
from events.serializers import (
    AttendeeAddSerializer,
    AttendeeSerializer,
    EventFilesAddSerializer,
    EventFilterSerializer,
    EventSerializer,
    EventWriteSerializer,
    FeedSerializer,
    SignupResultSerializer,
)


def _audience_forbidden() -> exceptions.PermissionDenied:
    """403 for an audience the user may not address (another municipality's calendar)."""
    return exceptions.PermissionDenied(
        _("Termine gehen nur an das ganze Netzwerk, das eigene Bundesland oder die eigene Kommune.")
    )


def _raise_for(exc: ValidationError):
    raise exc


# --- views ----------------------------------------------------------------------
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
        if not access.may_address_change(request.user, data):
            raise _audience_forbidden()
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
        if services.AUDIENCE_FIELDS & set(data) and not access.may_address_change(
            request.user, data, event=event
        ):
            raise _audience_forbidden()
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

    @extend_schema(
        request=EventFilesAddSerializer,
        responses={200: EventSerializer},
        description=(
            "Fügt dem Termin Unterlagen hinzu (Dateien des Mitglieds); die vorhandenen bleiben. "
            "Die Organisation jederzeit, bestätigte Teilnehmende ab Beginn des Termins."
        ),
    )
    @action(detail=True, methods=["post"], url_path="attachments")
    def attachments(self, request, pk=None):
        event = self._event(pk)
        payload = EventFilesAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not access.can_add_event_files(request.user, event):
            raise exceptions.PermissionDenied(
                _(
                    "Unterlagen fügen die Organisation und, sobald der Termin begonnen hat, "
                    "die bestätigten Teilnehmenden hinzu."
                )
            )
        try:
            services.event_files_add(
                event=event, member=request.user, attachments=payload.validated_data["attachments"]
            )
        except ValidationError as exc:
            _raise_for(exc)
        event = self._event(pk)
        return with_etag(Response(EventSerializer(event, context={"request": request}).data), event)

    @extend_schema(methods=["GET"], responses=FeedSerializer)
    @extend_schema(methods=["POST"], request=None, responses=FeedSerializer)
    @action(detail=False, methods=["get", "post"], url_path="feed")
    def feed(self, request):
        """The secret URL of the personal calendar feed; POST renews it (the old one dies)."""
        if request.method == "POST":
            token = services.calendar_feed_renew(member=request.user)
        else:
            token = services.calendar_feed_token(member=request.user)
        return Response({"url": feeds.feed_url(token)})


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
