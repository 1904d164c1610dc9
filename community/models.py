"""Members, municipalities and the ways into the network.

The user model is custom from the start (Django's own advice) and is also the
member profile, as in Zulip: one row per person, logging in by e-mail.
"""

import hashlib

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.db.models.query_utils import DeferredAttribute
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from core.addresses import CANONICAL_EMAIL_MAX_LENGTH, canonical_email
from core.text import OneLineCharField

AGS_VALIDATOR = RegexValidator(
    r"^[0-9]{8}\Z",
    _("Der Amtliche Gemeindeschlüssel hat genau 8 Ziffern."),
    code="invalid_ags",
)
DOMAIN_VALIDATOR = RegexValidator(
    r"^(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z",
    _("Bitte geben Sie eine Domain wie „wetzlar.de“ an (ohne @, in Kleinbuchstaben)."),
    code="invalid_domain",
)


class State(models.TextChoices):
    """The German states by their ISO 3166-2 subdivision code without ``DE-``."""

    BW = "BW", "Baden-Württemberg"
    BY = "BY", "Bayern"
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", "Bremen"
    HH = "HH", "Hamburg"
    HE = "HE", "Hessen"
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", "Niedersachsen"
    NW = "NW", "Nordrhein-Westfalen"
    RP = "RP", "Rheinland-Pfalz"
    SL = "SL", "Saarland"
    SN = "SN", "Sachsen"
    ST = "ST", "Sachsen-Anhalt"
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", "Thüringen"


class Municipality(models.Model):
    name = OneLineCharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kurzname"), max_length=100, unique=True)
    state = models.CharField(_("Bundesland"), max_length=2, choices=State.choices)
    population = models.PositiveIntegerField(_("Einwohnerzahl"), null=True, blank=True)
    ags = models.CharField(
        _("Amtlicher Gemeindeschlüssel"),
        max_length=8,
        blank=True,
        validators=[AGS_VALIDATOR],
        help_text=_("8 Ziffern; leer lassen, wenn er nicht sicher bekannt ist."),
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Kommune")
        verbose_name_plural = _("Kommunen")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=State.values), name="municipality_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(ags="") | models.Q(ags__regex=r"^[0-9]{8}$"),
                name="municipality_ags_eight_digits",
            ),
            models.UniqueConstraint(
                fields=["ags"], condition=~models.Q(ags=""), name="municipality_ags_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EmailDomain(models.Model):
    """A domain whose addresses belong to a municipality's employees.

    Self-registration is open only to addresses on one of these domains.
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="email_domains",
        verbose_name=_("Kommune"),
    )
    domain = models.CharField(
        _("Domain"), max_length=253, unique=True, validators=[DOMAIN_VALIDATOR]
    )

    class Meta:
        verbose_name = _("E-Mail-Domain")
        verbose_name_plural = _("E-Mail-Domains")
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(domain=Lower("domain")), name="emaildomain_lowercase"
            ),
        ]

    def __str__(self) -> str:
        return self.domain


class Role(models.TextChoices):
    MEMBER = "member", _("Digitallots*in")
    COORDINATOR = "coordinator", _("Koordination der Kommune")
    MODERATOR = "moderator", _("Moderation des Netzwerks")
    ADMIN = "admin", _("Administration")


class EmailFrequency(models.TextChoices):
    """How a member wants notifications by e-mail (the bell shows them all the same)."""

    IMMEDIATELY = "immediately", _("sofort")
    DAILY = "daily", _("täglich gebündelt")
    WEEKLY = "weekly", _("wöchentlich gebündelt")
    NEVER = "never", _("nie")


ERASED_MEMBER_NAME = _("ehemaliges Mitglied")
# Erased members keep a unique, unusable address on this reserved domain (RFC 2606).
ERASED_EMAIL_DOMAIN = "erased.invalid"


class _ErasedName(str):
    """The shown name of an erased member: written back anywhere, it stores "" again.

    (``refresh_from_db``, ``bulk_update`` and ``clean_fields`` copy values
    through the attribute; this keeps a tombstone a tombstone.)
    """

    __slots__ = ()


class _DisplayNameAttribute(DeferredAttribute):
    """Reads an erased member's empty name as "ehemaliges Mitglied" (translated).

    So every template, serializer and e-mail shows the tombstone without
    knowing about erasure; the stored value stays empty (see ``DisplayNameField``).
    """

    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        if instance is None:
            return value
        return value or _ErasedName(ERASED_MEMBER_NAME)

    def __set__(self, instance, value):
        # A data descriptor, so that reads come here even once the value is loaded.
        instance.__dict__[self.field.attname] = "" if isinstance(value, _ErasedName) else value


class DisplayNameField(OneLineCharField):
    """A CharField whose empty value marks an erased member (see ``member_erase``).

    Saving, validation and forms use the stored value, never the shown one;
    migrations see a plain CharField.
    """

    descriptor_class = _DisplayNameAttribute

    def raw_value(self, obj) -> str:
        if isinstance(obj, LazyObject):  # request.user
            if obj._wrapped is empty:
                obj._setup()
            obj = obj._wrapped
        if self.attname not in obj.__dict__:
            getattr(obj, self.attname)  # loads a deferred value into __dict__
        return obj.__dict__[self.attname]

    def pre_save(self, model_instance, add):
        return self.raw_value(model_instance)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return "" if isinstance(value, _ErasedName) else value

    def value_from_object(self, obj):
        return self.raw_value(obj)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class UserManager(BaseUserManager):
    """Creates accounts for ``createsuperuser``; the app uses community.services."""

    use_in_migrations = True

    # The creation rule (normalised address, free handle, password check, search
    # document) is ``member_create``; models import no services at load time, so
    # the manager looks it up when called.
    def create_user(self, email, password=None, **fields):
        # late: models must not import services at load time (issue 17)
        from community.services.members import member_create

        return member_create(email=email, password=password, **fields)

    def create_superuser(self, email, password=None, **fields):
        # late: models must not import services at load time (issue 17)
        from community.services.members import member_create

        fields.setdefault("display_name", email.split("@")[0])
        fields["role"] = Role.ADMIN
        user = member_create(email=email, password=password, **fields)
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
        return user

    def get_by_natural_key(self, username):
        """Any spelling of the address names the one account (see core.addresses)."""
        return self.get(email_canonical=canonical_email(username or ""))


EMAIL_EXISTS_MESSAGE = _("Mit dieser Adresse gibt es schon ein Konto.")


class User(AbstractBaseUser, PermissionsMixin):
    # The address as typed, for sending; who it is, is ``email_canonical``.
    email = models.EmailField(
        _("E-Mail-Adresse"), unique=True, error_messages={"unique": EMAIL_EXISTS_MESSAGE}
    )
    email_canonical = models.CharField(
        _("E-Mail-Adresse (kanonisch)"),
        max_length=CANONICAL_EMAIL_MAX_LENGTH,
        unique=True,
        editable=False,
        error_messages={"unique": EMAIL_EXISTS_MESSAGE},
        help_text=_(
            "Die Adresse in Unicode-Normalform und ohne Groß-/Kleinschreibung: "
            "ein Konto je Postfach, wie auch immer geschrieben."
        ),
    )
    handle = models.SlugField(
        _("Kürzel"),
        max_length=60,
        unique=True,
        help_text=_("Stabil und eindeutig; für @-Erwähnungen."),
    )
    display_name = DisplayNameField(_("Anzeigename"), max_length=150)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
        verbose_name=_("Kommune"),
    )
    department = OneLineCharField(_("Fachbereich/Amt"), max_length=200, blank=True)
    position = OneLineCharField(_("Funktion"), max_length=200, blank=True)
    bio = models.TextField(_("Über mich"), max_length=5000, blank=True)
    bio_html = models.TextField(_("Über mich (HTML)"), blank=True, editable=False)
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_staff = models.BooleanField(
        _("Zugang zur Verwaltung"),
        default=False,
        help_text=_("Darf sich in der Django-Verwaltung anmelden."),
    )
    date_joined = models.DateTimeField(_("beigetreten am"), default=timezone.now)
    email_notifications = models.CharField(
        _("Benachrichtigungen per E-Mail"),
        max_length=12,
        choices=EmailFrequency.choices,
        default=EmailFrequency.IMMEDIATELY,
    )
    # The language of the member's last page (community.middleware.LanguageMemoryMiddleware);
    # what reaches them without a request of theirs (live bell, Web Push) speaks it.
    # Empty: the site's language (settings.LANGUAGE_CODE).
    language = models.CharField(
        _("zuletzt verwendete Sprache"),
        max_length=10,
        blank=True,
        default="",
    )
    learning_interests = models.ManyToManyField(
        "Expertise",
        blank=True,
        related_name="learners",
        verbose_name=_("möchte lernen"),
    )
    # The profile photo: an uploaded image, cropped to a square (services.members).
    photo = models.ForeignKey(
        "files.StoredFile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Foto"),
    )
    # The start page's "new since your last visit" (community.services.member_start_page_visit):
    # when the member last saw it, and the end of the visit before the current one.
    start_page_seen_at = models.DateTimeField(
        _("Startseite zuletzt gesehen am"), null=True, blank=True, editable=False
    )
    start_page_previous_visit_at = models.DateTimeField(
        _("vorheriger Besuch der Startseite"), null=True, blank=True, editable=False
    )
    # The photo is attached to its member (files.registry: every member sees it).
    attached_files = GenericRelation(
        "files.StoredFile", content_type_field="attached_type", object_id_field="attached_id"
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("Mitglied")
        verbose_name_plural = _("Mitglieder")
        ordering = ["display_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.COORDINATOR) | models.Q(municipality__isnull=False),
                name="user_coordinator_has_municipality",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def save(self, *args, **kwargs):
        """The canonical address follows the address, however the row is saved."""
        self.email_canonical = canonical_email(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_canonical"}
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        """Validate the stored display name, not the shown one (see ``DisplayNameField``)."""
        exclude = set(exclude or ())
        errors: dict = {}
        self.email_canonical = canonical_email(self.email)
        if "email" not in exclude and len(self.email_canonical) > CANONICAL_EMAIL_MAX_LENGTH:
            errors["email"] = [ValidationError(_("Diese Adresse ist zu lang."), code="max_length")]
        exclude.add("email_canonical")
        if "display_name" not in exclude:
            field = self._meta.get_field("display_name")
            try:
                self.__dict__[field.attname] = field.clean(field.raw_value(self), self)
            except ValidationError as exc:
                errors["display_name"] = exc.error_list
            exclude.add("display_name")
        if (
            "handle" not in exclude
            and self.handle
            and ErasedHandle.objects.filter(digest=handle_digest(self.handle)).exists()
        ):
            errors["handle"] = [
                ValidationError(
                    _("Dieses Kürzel gehörte einem gelöschten Konto und bleibt gesperrt."),
                    code="reserved",
                )
            ]
            exclude.add("handle")
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def validate_unique(self, exclude=None):
        """One account per mailbox: the address is unique by its canonical form.

        The error names the address field (forms and the API show it there);
        whenever the address is checked, so is its canonical form.
        """
        exclude = set(exclude or ())
        self.email_canonical = canonical_email(self.email)
        errors: dict = {}
        taken = User._default_manager.filter(email_canonical=self.email_canonical)
        if "email" not in exclude and taken.exclude(pk=self.pk).exists():
            errors["email"] = [ValidationError(EMAIL_EXISTS_MESSAGE, code="exists")]
        try:
            super().validate_unique(exclude={*exclude, "email", "email_canonical"})
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    @property
    def is_erased(self) -> bool:
        """The account was erased on request: a tombstone that keeps posts and messages."""
        return not User._meta.get_field("display_name").raw_value(self)

    @property
    def public_handle(self) -> str | None:
        """The handle to show and link; an erased member has none."""
        return None if self.is_erased else self.handle

    def get_absolute_url(self) -> str:
        return reverse("member_detail", kwargs={"handle": self.handle})

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        if self.is_erased:
            return self.display_name
        return self.display_name.split(" ")[0] if self.display_name else self.email

    @property
    def photo_url(self) -> str | None:
        """The square photo (its preview, 256 px), from the id alone: no query per member."""
        if not self.photo_id:
            return None
        return reverse("file_thumbnail", kwargs={"pk": self.photo_id})

    @property
    def initials(self) -> str:
        """Two letters for the avatar: first and last word of the display name."""
        name = User._meta.get_field("display_name").raw_value(self)
        words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
        if not words:
            # An erased member's address is a random placeholder: no letter of theirs.
            erased = self.email.endswith("@" + ERASED_EMAIL_DOMAIN)
            return "?" if erased else (self.email[:1] or "?").upper()
        if len(words) == 1:
            return words[0][:2].upper()
        return (words[0][0] + words[-1][0]).upper()

    @property
    def is_network_admin(self) -> bool:
        return self.is_active and (self.role == Role.ADMIN or self.is_superuser)

    @property
    def is_moderator(self) -> bool:
        return self.is_active and (self.role == Role.MODERATOR or self.is_network_admin)

    def is_coordinator_of(self, municipality: Municipality | None) -> bool:
        return (
            municipality is not None
            and self.is_active
            and self.role == Role.COORDINATOR
            and self.municipality_id == municipality.pk
        )


class Invitation(models.Model):
    """An invitation sent to a new member; the link lets them set a password.

    Only a hash of the token is stored, so a leaked database holds no usable links.
    """

    member = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("Mitglied")
    )
    invited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eingeladen von"),
    )
    token_hash = models.CharField(_("Token-Hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("erstellt am"), default=timezone.now)
    expires_at = models.DateTimeField(_("gültig bis"))
    accepted_at = models.DateTimeField(_("angenommen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Einladung")
        verbose_name_plural = _("Einladungen")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(accepted_at__isnull=True),
                name="invitation_one_open_per_member",
            ),
        ]

    def __str__(self) -> str:
        return str(self.member)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class ApiToken(models.Model):
    """A key for ``Authorization: Token <key>``; a member may hold several and revoke each.

    Only a SHA-256 hash of the key is stored (the key is 160 random bits, so no
    slow hash is needed): a leaked database holds no usable keys. A token that
    was not used for ``API_TOKEN_IDLE_DAYS`` expires.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("Mitglied")
    )
    key_hash = models.CharField(_("Schlüssel-Hash"), max_length=64, unique=True, editable=False)
    label = models.CharField(_("Bezeichnung"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("erstellt am"), default=timezone.now)
    last_used_at = models.DateTimeField(_("zuletzt benutzt"), default=timezone.now)
    second_factor = models.BooleanField(
        _("mit zweitem Faktor"),
        default=False,
        help_text=_(
            "Ausgestellt nach Passwort und Code (Authenticator-App oder Wiederherstellung)."
        ),
    )

    class Meta:
        verbose_name = _("API-Zugangsschlüssel")
        verbose_name_plural = _("API-Zugangsschlüssel")
        ordering = ["-last_used_at", "-pk"]
        indexes = [models.Index(fields=["user", "last_used_at"], name="apitoken_user_last_used")]

    def __str__(self) -> str:
        return self.label or _("Zugangsschlüssel vom %(date)s") % {
            "date": f"{timezone.localtime(self.created_at):%d.%m.%Y}"
        }


def handle_digest(handle: str) -> str:
    """What ``ErasedHandle`` stores of a handle: a hash, so the table names nobody."""
    return hashlib.sha256(f"lotsennetz-erased-handle:{handle.lower()}".encode()).hexdigest()


class ErasedHandle(models.Model):
    """A handle an erased member had: never given out again (see ``member_erase``).

    Others' posts and messages still say "@handle" in their source text; a
    newcomer with that handle would inherit every one of those mentions. Only
    the SHA-256 of the handle is kept: the table reveals no name, yet a
    handle can be checked against it.
    """

    digest = models.CharField(_("Prüfsumme des Kürzels"), max_length=64, unique=True)
    erased_at = models.DateTimeField(_("gelöscht am"), default=timezone.now)

    class Meta:
        verbose_name = _("Kürzel eines gelöschten Kontos")
        verbose_name_plural = _("Kürzel gelöschter Konten")

    def __str__(self) -> str:
        return self.digest[:12]


# --- Menschen & Projekte -------------------------------------------------------
class Expertise(models.Model):
    """A field of the curated taxonomy (E-Akte/DMS, OZG-Onlinedienste, …)."""

    slug = models.SlugField(_("Kurzname"), max_length=60, unique=True)
    name = models.CharField(_("Name"), max_length=120)
    description = models.TextField(_("Beschreibung"), blank=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Fachgebiet")
        verbose_name_plural = _("Fachgebiete")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("expertise_detail", kwargs={"slug": self.slug})


class Level(models.IntegerChoices):
    BASIC = 1, _("Grundkenntnisse")
    EXPERIENCED = 2, _("Erfahren")
    EXPERT = 3, _("Expert:in")


# How levels are named in the API and in URLs.
LEVEL_CODES = {Level.BASIC: "basic", Level.EXPERIENCED: "experienced", Level.EXPERT: "expert"}


class MemberExpertise(models.Model):
    """A member's declared expertise in one field, with a level."""

    member = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="expertise_entries", verbose_name=_("Mitglied")
    )
    expertise = models.ForeignKey(
        Expertise,
        on_delete=models.CASCADE,
        related_name="member_entries",
        verbose_name=_("Fachgebiet"),
    )
    level = models.PositiveSmallIntegerField(_("Stufe"), choices=Level.choices)

    class Meta:
        verbose_name = _("Erfahrung")
        verbose_name_plural = _("Erfahrungen")
        ordering = ["-level", "expertise__position"]
        constraints = [
            models.UniqueConstraint(fields=["member", "expertise"], name="memberexpertise_unique"),
            models.CheckConstraint(
                condition=models.Q(level__in=Level.values), name="memberexpertise_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.expertise} ({self.get_level_display()})"


class Qualification(models.Model):
    """A pilot's qualification: programme, cohort, completion, appointment.

    Coordinators confirm it for their municipality; profiles show whether it is.
    """

    member = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="qualifications", verbose_name=_("Mitglied")
    )
    programme = OneLineCharField(
        _("Programm"),
        max_length=200,
        help_text=_(
            "z. B. „Digitallotsen-Seminar des Landes (3 Tage)“ oder „Modulprogramm der Stadt“"
        ),
    )
    cohort = OneLineCharField(_("Jahrgang/Kurs"), max_length=100, blank=True)
    completed_on = models.DateField(_("abgeschlossen am"), null=True, blank=True)
    appointed_on = models.DateField(_("ernannt am"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bestätigt von"),
    )
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    created_at = models.DateTimeField(_("erfasst am"), default=timezone.now)

    class Meta:
        verbose_name = _("Qualifizierung")
        verbose_name_plural = _("Qualifizierungen")
        ordering = ["-completed_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confirmed_at__isnull=True)
                | models.Q(confirmed_by__isnull=False),
                name="qualification_confirmed_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.programme}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Tool(models.Model):
    """A tool or product; "enaio" and "Enaio" are one tool (same ``key``)."""

    name = OneLineCharField(_("Name"), max_length=100)
    key = models.SlugField(_("Schlüssel"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("Werkzeug/Produkt")
        verbose_name_plural = _("Werkzeuge/Produkte")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tool_detail", kwargs={"key": self.key})


class ProjectKind(models.TextChoices):
    EAKTE = "eakte", _("E-Akte-Einführung")
    TOOL = "tool", _("Einführung eines neuen Tools")
    PROCESS = "process", _("Prozessdigitalisierung")
    TRAINING = "training", _("Qualifizierung")
    OTHER = "other", _("Sonstiges")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("geplant")
    RUNNING = "running", _("laufend")
    DONE = "done", _("abgeschlossen")


class Project(models.Model):
    title = OneLineCharField(_("Titel"), max_length=200)
    kind = models.CharField(_("Art"), max_length=20, choices=ProjectKind.choices)
    status = models.CharField(
        _("Stand"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="projects", verbose_name=_("Kommune")
    )
    members = models.ManyToManyField(
        User, blank=True, related_name="projects", verbose_name=_("Beteiligte")
    )
    tools = models.ManyToManyField(
        Tool, blank=True, related_name="projects", verbose_name=_("Werkzeuge/Produkte")
    )
    started_on = models.DateField(_("Beginn"), null=True, blank=True)
    ended_on = models.DateField(_("Ende"), null=True, blank=True)
    body = models.TextField(_("Beschreibung"), max_length=20000, blank=True)
    body_html = models.TextField(_("Beschreibung (HTML)"), blank=True, editable=False)
    lessons_learned = models.TextField(_("Lessons Learned"), max_length=20000, blank=True)
    lessons_learned_html = models.TextField(_("Lessons Learned (HTML)"), blank=True, editable=False)
    is_published = models.BooleanField(
        _("veröffentlicht"),
        default=True,
        help_text=_("Entwürfe sehen nur Mitglieder der eigenen Kommune."),
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("angelegt von"),
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)
    # Raised by every change of this row (core.concurrency): the ETag.
    version = models.PositiveIntegerField(_("Version"), default=1, db_default=1, editable=False)
    # The project's documents (concept, roll-out plan, slides).
    attachments = GenericRelation(
        "files.StoredFile", content_type_field="attached_type", object_id_field="attached_id"
    )

    class Meta:
        verbose_name = _("Projekt")
        verbose_name_plural = _("Projekte")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ProjectKind.values), name="project_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ProjectStatus.values), name="project_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(started_on__isnull=True)
                | models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="project_ends_after_start",
                violation_error_message=_("Das Ende liegt vor dem Beginn."),
            ),
        ]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("project_detail", kwargs={"pk": self.pk})


class ProjectLink(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="links", verbose_name=_("Projekt")
    )
    url = models.URLField(_("Adresse"), max_length=500)
    title = OneLineCharField(_("Titel"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Link")
        verbose_name_plural = _("Links")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title or self.url


class ProjectInvitation(models.Model):
    """Someone was added to a project and has not answered yet.

    Adding a person is an invitation: only once they accept do they join
    ``Project.members`` (and so count as evidence in the expertise search and
    join the project's chat room). Declining deletes the row.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("Projekt")
    )
    member = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="project_invitations",
        verbose_name=_("eingeladenes Mitglied"),
    )
    invited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eingeladen von"),
    )
    invited_at = models.DateTimeField(_("eingeladen am"), default=timezone.now)

    class Meta:
        verbose_name = _("Einladung in ein Projekt")
        verbose_name_plural = _("Einladungen in Projekte")
        ordering = ["-invited_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "member"], name="projectinvitation_once_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.project}"


class MemberSearchDocument(models.Model):
    """What the expertise search reads for one member, rebuilt by the services.

    ``text_a`` (names, roles, declared expertise), ``text_b`` (projects, tools,
    municipality) and ``text_c`` (bio, lessons learned) weigh A > B > C. On
    PostgreSQL ``vector`` holds the German tsvector (GIN index); on SQLite an
    FTS5 table holds the three parts, stemmed (see directory/search/). The
    other columns carry what filters and ranking need, so that a search never
    scores members with subqueries (docs/performance.md).
    """

    member = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    text_a = models.TextField(blank=True)
    text_b = models.TextField(blank=True)
    text_c = models.TextField(blank=True)
    vector = SearchVectorField(null=True)
    # What filters and ranking need, copied from the member so that a search
    # reads this table alone and loads the members only for the page shown.
    is_active = models.BooleanField(_("aktiv"), default=False)
    display_name = models.CharField(_("Anzeigename"), max_length=150, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Kommune"),
    )
    state = models.CharField(_("Bundesland"), max_length=2, blank=True)
    #: Declared expertise: ``{"e<expertise id>": level}``.
    levels = models.JSONField(_("Stufen je Fachgebiet"), default=dict, blank=True)
    max_level = models.PositiveSmallIntegerField(_("höchste Stufe"), default=0)
    #: Published projects per tool and kind: ``{"t<tool id>": n, "k<kind>": n,
    #: "k<kind>t<tool id>": n}`` (the pairs let the score count a project once).
    evidence = models.JSONField(_("Belege"), default=dict, blank=True)
    #: Published projects, for the reasons shown with a hit:
    #: ``[[title, municipality name, kind, [tool ids]], …]``.
    projects = models.JSONField(_("Projekte"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Suchdokument")
        verbose_name_plural = _("Suchdokumente")
        indexes = [
            # The plain directory: active members by name, a page at a time.
            models.Index(
                fields=["display_name", "member"],
                condition=models.Q(is_active=True),
                name="searchdoc_directory",
            ),
            models.Index(fields=["state"], name="searchdoc_state"),
        ]

    def __str__(self) -> str:
        return str(self.member_id)


# --- second factor (issue 21) ---------------------------------------------------------------
class TotpDevice(models.Model):
    """An authenticator app (RFC 6238). The secret is stored encrypted with a key derived
    from SECRET_KEY (community.second_factor): a database dump alone holds no usable secret.

    A member has at most one confirmed authenticator and at most one being set up; a
    used time step is remembered, so a code cannot be replayed within its window.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="totp_devices", verbose_name=_("Mitglied")
    )
    secret_encrypted = models.TextField(_("Geheimnis (verschlüsselt)"), editable=False)
    created_at = models.DateTimeField(_("erstellt am"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    last_used_step = models.BigIntegerField(_("zuletzt benutzter Zeitschritt"), null=True)

    class Meta:
        verbose_name = _("Authenticator-App")
        verbose_name_plural = _("Authenticator-Apps")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(confirmed_at__isnull=False),
                name="totp_one_confirmed_per_member",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(confirmed_at__isnull=True),
                name="totp_one_pending_per_member",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)


class RecoveryCode(models.Model):
    """A one-time code for when the authenticator is lost; only a keyed hash (HMAC with
    SECRET_KEY) is stored, and a used code is kept with its time so it never works again."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="recovery_codes", verbose_name=_("Mitglied")
    )
    code_hash = models.CharField(_("Code-Hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("erstellt am"), default=timezone.now)
    used_at = models.DateTimeField(_("benutzt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Wiederherstellungscode")
        verbose_name_plural = _("Wiederherstellungscodes")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "code_hash"], name="recovery_code_unique_per_member"
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)


class Passkey(models.Model):
    """A WebAuthn credential (passkey or security key): its public key and signature count."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="passkeys", verbose_name=_("Mitglied")
    )
    credential_id = models.CharField(
        _("Kennung des Schlüssels"), max_length=1400, unique=True, editable=False
    )
    public_key = models.BinaryField(_("öffentlicher Schlüssel"))
    sign_count = models.PositiveBigIntegerField(_("Signaturzähler"), default=0)
    name = OneLineCharField(_("Bezeichnung"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("erstellt am"), default=timezone.now)
    last_used_at = models.DateTimeField(_("zuletzt benutzt"), null=True, blank=True)

    class Meta:
        verbose_name = _("Passkey")
        verbose_name_plural = _("Passkeys")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name or str(self.user)


# --- sign-in through the municipality's identity provider (issue 21) -------------------------
class OidcProvider(models.Model):
    """A municipality's OpenID Connect provider: members on its e-mail domains sign in there.

    The client secret is sealed at rest (core.sealing). Only an administrator's approval
    makes the provider active; a coordinator may propose one for their own municipality.
    """

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.CASCADE,
        related_name="oidc_provider",
        verbose_name=_("Kommune"),
    )
    issuer = models.URLField(
        _("Aussteller (Issuer)"),
        max_length=500,
        help_text=_("Die Issuer-URL des Anbieters, ohne /.well-known/openid-configuration."),
    )
    client_id = models.CharField(_("Client-ID"), max_length=255)
    client_secret_sealed = models.TextField(
        _("Client-Geheimnis (verschlüsselt)"), blank=True, editable=False
    )
    email_claim = models.CharField(
        _("Claim mit der E-Mail-Adresse"),
        max_length=100,
        default="email",
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_.:/-]{1,100}\Z",
                _("Bitte geben Sie einen Claim-Namen wie „email“ an."),
                code="invalid_claim",
            )
        ],
    )
    required = models.BooleanField(
        _("verpflichtend"),
        default=False,
        help_text=_(
            "Alle Mitglieder der Kommune melden sich über den Anbieter an; Anmeldung per "
            "Passwort ist dann nicht möglich."
        ),
    )
    approved_at = models.DateTimeField(_("freigegeben am"), null=True, blank=True)
    approved_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("freigegeben von"),
    )
    proposed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vorgeschlagen von"),
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)
    # A coordinator's change to an approved connection waits here; the approved fields
    # above stay in force (members keep signing in) until an administrator approves it.
    proposed_issuer = models.URLField(_("vorgeschlagener Aussteller"), max_length=500, blank=True)
    proposed_client_id = models.CharField(_("vorgeschlagene Client-ID"), max_length=255, blank=True)
    proposed_client_secret_sealed = models.TextField(
        _("vorgeschlagenes Client-Geheimnis (verschlüsselt)"), blank=True, editable=False
    )
    proposed_email_claim = models.CharField(
        _("vorgeschlagener Claim mit der E-Mail-Adresse"), max_length=100, blank=True
    )
    proposed_required = models.BooleanField(_("Vorschlag: verpflichtend"), default=False)
    proposed_at = models.DateTimeField(_("Änderung vorgeschlagen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Identitätsanbieter (OpenID Connect)")
        verbose_name_plural = _("Identitätsanbieter (OpenID Connect)")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(issuer="") & ~models.Q(client_id=""),
                name="oidcprovider_issuer_and_client_id",
            ),
            models.CheckConstraint(
                condition=models.Q(approved_at__isnull=True) | ~models.Q(client_secret_sealed=""),
                name="oidcprovider_approved_has_secret",
            ),
            models.CheckConstraint(
                condition=models.Q(proposed_at__isnull=True)
                | (
                    ~models.Q(proposed_issuer="")
                    & ~models.Q(proposed_client_id="")
                    & ~models.Q(proposed_client_secret_sealed="")
                    & models.Q(approved_at__isnull=False)
                ),
                name="oidcprovider_proposal_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} – {self.issuer}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def has_proposal(self) -> bool:
        """A coordinator's change to the approved connection waits for approval."""
        return self.proposed_at is not None

    @property
    def is_pending(self) -> bool:
        """Something here waits for an administrator: a first proposal or a change."""
        return self.approved_at is None or self.proposed_at is not None


class OidcIdentity(models.Model):
    """A member's account at their municipality's provider (``sub``), and what it last said.

    ``display_name_claim``/``department_claim`` are the values the provider sent last:
    a profile field still equal to them is updated on the next sign-in; one the member
    changed on the platform is left alone.
    """

    member = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="oidc_identity", verbose_name=_("Mitglied")
    )
    provider = models.ForeignKey(
        OidcProvider,
        on_delete=models.CASCADE,
        related_name="identities",
        verbose_name=_("Identitätsanbieter"),
    )
    # A subject is unique only within its issuer (OpenID Connect Core 1.0, 2): when the
    # municipality moves to another issuer, an old subject must not name a new person.
    issuer = models.CharField(_("Aussteller (Issuer)"), max_length=500)
    subject = models.CharField(_("Kennung beim Anbieter (sub)"), max_length=255)
    display_name_claim = models.CharField(_("Name laut Anbieter"), max_length=150, blank=True)
    department_claim = models.CharField(_("Fachbereich laut Anbieter"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("verknüpft am"), default=timezone.now)
    last_signin_at = models.DateTimeField(_("zuletzt über den Anbieter angemeldet"))

    class Meta:
        verbose_name = _("Anmeldung über Identitätsanbieter")
        verbose_name_plural = _("Anmeldungen über Identitätsanbieter")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "issuer", "subject"],
                name="oidcidentity_one_member_per_issuer_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.provider.issuer}"
