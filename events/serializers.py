"""DRF serializers of the events app: the REST API's bodies and the live seat payload.

Used by events.api and by events.realtime_events (the WebSocket sends the same
``EventSeatsSerializer`` shape the API documents).
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from community.models import Municipality, State, User
from core.site import absolute_url
from events import access
from events.models import (
    AgendaItem,
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    Signup,
    SignupStatus,
)
from files.serializers import AttachmentsField

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
    attachments = AttachmentsField(read_only=True)

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
            "attachments",
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
        return absolute_url(event.get_absolute_url())

    def get_ics_url(self, event) -> str:
        return absolute_url(reverse("api_event_ics", kwargs={"pk": event.pk}))

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
    attachments = AttachmentsField(required=False)

    class Meta:
        model = Event
        fields = [
            "attachments",
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


class EventFilesAddSerializer(serializers.Serializer):
    """POST …/attachments/: files to add to the event's documents (the others stay)."""

    attachments = AttachmentsField(required=True)
