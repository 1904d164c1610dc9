"""Events of the network (Termine) and the signups for them.

Times are stored as aware datetimes in UTC; ``Event.timezone`` names the IANA
zone the event happens in, so pages and calendar feeds show local wall-clock
time across daylight-saving changes.

Overbooking is prevented by the services (a row lock on the event) and, as a
last line of defence, by ``Event.seats_taken``: a counter of confirmed signups
maintained under that lock, which a CHECK constraint keeps at or below the
capacity. No code path can store more confirmed seats than the capacity.
"""

import functools
import uuid
import zoneinfo

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CharField, Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from community.models import Municipality, State, User
from core.text import OneLineCharField
from files.models import StoredFile

DEFAULT_TIMEZONE = "Europe/Berlin"


@functools.cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    """Only real IANA zone names: a typo would shift every time of the event."""
    if not value or value not in known_timezones():
        raise ValidationError(
            _("„%(value)s“ ist keine bekannte Zeitzone (z. B. Europe/Berlin)."),
            code="invalid_timezone",
            params={"value": value},
        )


def new_uid() -> str:
    """A globally unique iCalendar UID; it never changes for the event."""
    return f"{uuid.uuid4()}@lotsennetz"


class EventKind(models.TextChoices):
    NETWORK_MEETING = "netzwerktreffen", _("Netzwerktreffen")
    SEMINAR = "seminar", _("Seminar")
    WEBINAR = "webinar", _("Webinar")
    WORKSHOP = "workshop", _("Workshop")
    OTHER = "sonstiges", _("Sonstiges")


class EventFormat(models.TextChoices):
    IN_PERSON = "in_person", _("vor Ort")
    ONLINE = "online", _("online")
    HYBRID = "hybrid", _("hybrid")


class Audience(models.TextChoices):
    NETWORK = "network", _("das ganze Netzwerk")
    STATE = "state", _("ein Bundesland")
    MUNICIPALITY = "municipality", _("eine Kommune")


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("geplant")
    CANCELLED = "cancelled", _("abgesagt")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("bestätigt")
    WAITLISTED = "waitlisted", _("Warteliste")
    CANCELLED = "cancelled", _("abgemeldet")


ACTIVE_SIGNUP_STATUSES = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


class EventQuerySet(models.QuerySet):
    """Reusable filters and annotations of events; the visibility rule lives here."""

    def visible_to(self, user: User) -> "EventQuerySet":
        """Events meant for the user's audience, plus those the user organizes."""
        if user.is_moderator:
            return self.all()
        q = Q(audience=Audience.NETWORK)
        if user.municipality_id:
            q |= Q(audience=Audience.STATE, audience_state=user.municipality.state)
            q |= Q(audience=Audience.MUNICIPALITY, audience_municipality_id=user.municipality_id)
        return self.filter(q | Q(Exists(organizer_rows_of(user))))

    def joined_or_organized_by(self, member: User) -> "EventQuerySet":
        """Events the member is signed up for (confirmed or waiting) or organizes.

        Subqueries, not joins: a join on signups would multiply annotated counts.
        """
        return self.filter(
            Q(Exists(active_signups_of(member))) | Q(Exists(organizer_rows_of(member)))
        )

    def as_seen_by(self, viewer: User) -> "EventQuerySet":
        """Every event the viewer may see, with counts and the viewer's own status."""
        own = active_signups_of(viewer)
        return (
            self.visible_to(viewer)
            .select_related("hosting_municipality", "audience_municipality", "forum_thread")
            .prefetch_related(
                Prefetch("organizers", queryset=User.objects.only("id", "display_name", "handle")),
                Prefetch(
                    "agenda_items", queryset=AgendaItem.objects.order_by("order", "starts_at")
                ),
                # The documents ("Unterlagen"), without their extracted text.
                Prefetch("attachments", queryset=StoredFile.objects.defer("text")),
            )
            .annotate(
                confirmed_count=Count(
                    "signups", filter=Q(signups__status=SignupStatus.CONFIRMED), distinct=True
                ),
                waitlist_count=Count(
                    "signups", filter=Q(signups__status=SignupStatus.WAITLISTED), distinct=True
                ),
                my_status=Subquery(own.values("status")[:1], output_field=CharField()),
                my_position=Subquery(own.values("position")[:1], output_field=IntegerField()),
                is_organizer=Exists(organizer_rows_of(viewer)),
            )
            .order_by("starts_at", "pk")
        )


def active_signups_of(member: User):
    """The member's confirmed or waiting signup for the outer event (a subquery)."""
    return Signup.objects.filter(
        event_id=OuterRef("pk"),
        member_id=member.pk,
        status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED],
    )


def organizer_rows_of(user: User):
    """The user's organizer row for the outer event (a subquery)."""
    return Event.organizers.through.objects.filter(event_id=OuterRef("pk"), user_id=user.pk)


class Event(models.Model):
    uid = models.CharField(_("UID"), max_length=255, unique=True, default=new_uid, editable=False)
    title = OneLineCharField(_("Titel"), max_length=200)
    kind = models.CharField(
        _("Art"), max_length=20, choices=EventKind.choices, default=EventKind.NETWORK_MEETING
    )
    description = models.TextField(_("Beschreibung"), max_length=20000, blank=True)
    description_html = models.TextField(_("Beschreibung (HTML)"), blank=True, editable=False)
    forum_thread = models.ForeignKey(
        "forum.Thread",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("Forumsthema"),
        help_text=_("Das Thema im Forum, in dem der Termin besprochen wird."),
    )
    organizers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="organized_events",
        blank=True,
        verbose_name=_("Organisation"),
    )
    hosting_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="hosted_events",
        null=True,
        blank=True,
        verbose_name=_("gastgebende Kommune"),
    )
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    timezone = models.CharField(
        _("Zeitzone"), max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone]
    )
    format = models.CharField(
        _("Format"), max_length=20, choices=EventFormat.choices, default=EventFormat.IN_PERSON
    )
    location = OneLineCharField(_("Ort"), max_length=200, blank=True)
    address = models.TextField(_("Adresse"), max_length=1000, blank=True)
    online_url = models.URLField(
        _("Link zur Online-Teilnahme"),
        max_length=500,
        blank=True,
        help_text=_("Nur bestätigte Teilnehmende und die Organisation sehen ihn."),
    )
    capacity = models.PositiveIntegerField(
        _("Plätze"), null=True, blank=True, help_text=_("Leer lassen: unbegrenzt.")
    )
    signup_deadline = models.DateTimeField(_("Anmeldeschluss"), null=True, blank=True)
    audience = models.CharField(
        _("Zielgruppe"), max_length=20, choices=Audience.choices, default=Audience.NETWORK
    )
    audience_state = models.CharField(
        _("Bundesland der Zielgruppe"), max_length=2, choices=State.choices, blank=True
    )
    audience_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="audience_events",
        null=True,
        blank=True,
        verbose_name=_("Kommune der Zielgruppe"),
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    signups_closed = models.BooleanField(_("Anmeldung geschlossen"), default=False)
    sequence = models.PositiveIntegerField(_("Version (iCalendar SEQUENCE)"), default=0)
    # Confirmed signups, maintained under the event's row lock; see the module docstring.
    seats_taken = models.PositiveIntegerField(_("belegte Plätze"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("angelegt von"),
    )
    created_at = models.DateTimeField(_("angelegt am"), default=dj_timezone.now, editable=False)
    updated_at = models.DateTimeField(_("geändert am"), default=dj_timezone.now, editable=False)
    # Raised by every change of this row (core.concurrency): the ETag.
    version = models.PositiveIntegerField(_("Version"), default=1, db_default=1, editable=False)
    # Documents ("Unterlagen"): slides, minutes (see events.access.can_add_event_files).
    attachments = GenericRelation(
        "files.StoredFile", content_type_field="attached_type", object_id_field="attached_id"
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("Termin")
        verbose_name_plural = _("Termine")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"]), models.Index(fields=["ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gte=1),
                name="event_capacity_at_least_one",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True)
                | models.Q(seats_taken__lte=models.F("capacity")),
                name="event_never_overbooked",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=EventKind.values), name="event_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(format__in=EventFormat.values), name="event_format_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=EventStatus.values), name="event_status_valid"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        audience=Audience.NETWORK,
                        audience_state="",
                        audience_municipality__isnull=True,
                    )
                    | models.Q(
                        audience=Audience.STATE,
                        audience_state__in=State.values,
                        audience_municipality__isnull=True,
                    )
                    | models.Q(
                        audience=Audience.MUNICIPALITY,
                        audience_state="",
                        audience_municipality__isnull=False,
                    )
                ),
                name="event_audience_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"pk": self.pk})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def local_starts_at(self):
        return self.starts_at.astimezone(self.zone)

    @property
    def local_ends_at(self):
        return self.ends_at.astimezone(self.zone)

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.ends_at <= dj_timezone.now()

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)


class AgendaItem(models.Model):
    """One time slot of the agenda, in the event's local time."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("Termin")
    )
    starts_at = models.TimeField(_("Beginn"))
    ends_at = models.TimeField(_("Ende"), null=True, blank=True)
    title = OneLineCharField(_("Titel"), max_length=200)
    speaker = OneLineCharField(_("Referent*in"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Programmpunkt")
        verbose_name_plural = _("Programmpunkte")
        ordering = ["event", "order", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="agendaitem_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Signup(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="signups", verbose_name=_("Termin")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="event_signups",
        verbose_name=_("Mitglied"),
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=SignupStatus.choices, default=SignupStatus.CONFIRMED
    )
    # 1, 2, 3, ... without gaps among the waitlisted signups of one event.
    position = models.PositiveIntegerField(_("Platz auf der Warteliste"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eingetragen von"),
    )
    created_at = models.DateTimeField(_("angemeldet am"), default=dj_timezone.now, editable=False)
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("abgemeldet am"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("erinnert am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Anmeldung")
        verbose_name_plural = _("Anmeldungen")
        ordering = ["event", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member"],
                condition=~models.Q(status=SignupStatus.CANCELLED),
                name="signup_one_active_per_member",
            ),
            models.UniqueConstraint(
                fields=["event", "position"],
                condition=models.Q(status=SignupStatus.WAITLISTED),
                name="signup_waitlist_position_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SignupStatus.values), name="signup_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status=SignupStatus.WAITLISTED, position__gte=1)
                | (~models.Q(status=SignupStatus.WAITLISTED) & models.Q(position__isnull=True)),
                name="signup_position_only_when_waitlisted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} – {self.event}"


class CalendarFeed(models.Model):
    """The secret of a member's personal calendar feed.

    The URL carries ``key`` signed with SECRET_KEY (see events.services), so a
    leaked database alone yields no working feed URL; renewing replaces the key
    and the old URL stops working.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("Mitglied"),
    )
    key = models.CharField(_("Schlüssel"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("erstellt am"), default=dj_timezone.now)

    class Meta:
        verbose_name = _("Kalender-Abo")
        verbose_name_plural = _("Kalender-Abos")

    def __str__(self) -> str:
        return str(self.member)
