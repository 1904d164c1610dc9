"""Chat rooms, who is in them, and their messages.

Every message carries a per-room ``seq`` that counts up by one without gaps:
clients use it to notice what the channel layer lost and to ask for it again.
The room row holds the last ``seq`` handed out and is locked while the next
one is taken (see ``chat.services.message_post``).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import OneLineCharField

MAX_BODY_LENGTH = 4000
MAX_CLIENT_ID_LENGTH = 64


class RoomKind(models.TextChoices):
    NETWORK = "network", _("Thema im ganzen Netzwerk")
    MUNICIPALITY = "municipality", _("Kommune")
    PROJECT = "project", _("Projekt")
    EVENT = "event", _("Termin")
    PRIVATE = "private", _("Privater Raum")
    DIRECT = "direct", _("Direktnachricht")


# Rooms of these kinds are entered by membership only.
MEMBERSHIP_KINDS = (RoomKind.PROJECT, RoomKind.EVENT, RoomKind.PRIVATE, RoomKind.DIRECT)
# Rooms of these kinds belong to an object of another app (its id in object_id).
OBJECT_KINDS = (RoomKind.PROJECT, RoomKind.EVENT)

# Slugs that only rooms of one kind may carry (compared without case): nobody
# can name a room so that it is taken for a direct conversation or a city room.
DIRECT_SLUG_PREFIX = "direkt-"
MUNICIPALITY_SLUG_PREFIX = "kommune-"
RESERVED_SLUGS = {"direkt": RoomKind.DIRECT}  # /chat/direkt/<handle>/ is a route
RESERVED_SLUG_PREFIXES = {
    DIRECT_SLUG_PREFIX: RoomKind.DIRECT,
    MUNICIPALITY_SLUG_PREFIX: RoomKind.MUNICIPALITY,
}
# A direct conversation of at most this many people (the caller and 20 others).
MAX_DIRECT_PEOPLE = 21
DIRECT_KEY_MAX_LENGTH = 500


def reserved_slug_kind(slug: str) -> str | None:
    """The kind that alone may carry this slug, or None when any room may."""
    lowered = (slug or "").lower()
    if lowered in RESERVED_SLUGS:
        return RESERVED_SLUGS[lowered]
    for prefix, kind in RESERVED_SLUG_PREFIXES.items():
        if lowered.startswith(prefix):
            return kind
    return None


def direct_key_for(member_ids) -> str:
    """The identity of a direct conversation: its people's ids, sorted, joined by "-"."""
    return "-".join(str(pk) for pk in sorted(set(member_ids)))


class Room(models.Model):
    slug = models.SlugField(_("Kurzname"), max_length=100, unique=True)
    name = OneLineCharField(_("Name"), max_length=200)
    kind = models.CharField(_("Art"), max_length=20, choices=RoomKind.choices)
    is_private = models.BooleanField(_("privat"), default=False)
    municipality = models.ForeignKey(
        "community.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chat_rooms",
        verbose_name=_("Kommune"),
    )
    # A project's or event's id; a plain integer so that chat need not import those apps.
    object_id = models.PositiveBigIntegerField(_("Objekt-ID"), null=True, blank=True)
    # A direct conversation is found by its people (direct_key_for), never by
    # its slug or name, which are no one's choice but could be anyone's. NULL
    # for every other room: unique, where "" would be one value for all of them.
    direct_key = models.CharField(  # noqa: DJ001
        _("Personen des Direktgesprächs"),
        max_length=DIRECT_KEY_MAX_LENGTH,
        null=True,
        blank=True,
        editable=False,
    )
    is_closed = models.BooleanField(_("geschlossen"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("angelegt von"),
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    last_seq = models.PositiveBigIntegerField(_("letzte Nachrichtennummer"), default=0)

    class Meta:
        verbose_name = _("Chatraum")
        verbose_name_plural = _("Chaträume")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=RoomKind.values), name="chat_room_kind_valid"
            ),
            # Membership rooms are private, the others open; the flag is the contract's.
            models.CheckConstraint(
                condition=models.Q(kind__in=MEMBERSHIP_KINDS, is_private=True)
                | (~models.Q(kind__in=MEMBERSHIP_KINDS) & models.Q(is_private=False)),
                name="chat_room_private_by_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=RoomKind.MUNICIPALITY)
                | models.Q(municipality__isnull=False),
                name="chat_room_municipality_needs_municipality",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=OBJECT_KINDS) | models.Q(object_id__isnull=False),
                name="chat_room_object_kinds_need_object",
            ),
            models.UniqueConstraint(
                fields=["municipality"],
                condition=models.Q(kind=RoomKind.MUNICIPALITY),
                name="chat_room_one_per_municipality",
            ),
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=models.Q(object_id__isnull=False),
                name="chat_room_one_per_object",
            ),
            # Exactly the direct conversations have their people's key, and one
            # set of people has one conversation.
            models.CheckConstraint(
                condition=models.Q(kind=RoomKind.DIRECT, direct_key__isnull=False)
                | (~models.Q(kind=RoomKind.DIRECT) & models.Q(direct_key__isnull=True)),
                name="chat_room_direct_key_by_kind",
            ),
            models.UniqueConstraint(fields=["direct_key"], name="chat_room_one_per_direct_key"),
            # Reserved slugs (reserved_slug_kind) belong to their kind alone.
            models.CheckConstraint(
                condition=models.Q(kind=RoomKind.DIRECT)
                | ~(
                    models.Q(slug__istartswith=DIRECT_SLUG_PREFIX) | models.Q(slug__iexact="direkt")
                ),
                name="chat_room_direct_slug_reserved",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=RoomKind.MUNICIPALITY)
                | ~models.Q(slug__istartswith=MUNICIPALITY_SLUG_PREFIX),
                name="chat_room_municipality_slug_reserved",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def by_membership(self) -> bool:
        return self.kind in MEMBERSHIP_KINDS


class RoomMembership(models.Model):
    """A member in a room: required for membership rooms, bookkeeping for open ones.

    ``last_read_seq`` gives the unread count; ``left_at`` set means the member
    left (an open room then drops out of the list until visited again).
    """

    # No index of its own: the unique (room, member) constraint leads with it.
    room = models.ForeignKey(
        Room,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("Raum"),
        db_index=False,
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_memberships",
        verbose_name=_("Mitglied"),
    )
    joined_at = models.DateTimeField(_("beigetreten am"), default=timezone.now)
    muted = models.BooleanField(_("stumm geschaltet"), default=False)
    last_read_seq = models.PositiveBigIntegerField(_("zuletzt gelesen bis"), default=0)
    left_at = models.DateTimeField(_("verlassen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Mitgliedschaft im Chatraum")
        verbose_name_plural = _("Mitgliedschaften im Chatraum")
        constraints = [
            models.UniqueConstraint(fields=["room", "member"], name="chat_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.room}"


class Message(models.Model):
    # No index of its own: both unique constraints lead with it, and one index
    # less is one write less for every message posted.
    room = models.ForeignKey(
        Room,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("Raum"),
        db_index=False,
    )
    seq = models.PositiveBigIntegerField(_("Nummer im Raum"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_messages",
        verbose_name=_("Verfasser*in"),
    )
    client_id = models.CharField(_("Client-Kennung"), max_length=MAX_CLIENT_ID_LENGTH)
    body = models.TextField(_("Text"), max_length=MAX_BODY_LENGTH, blank=True)
    body_html = models.TextField(_("Text (HTML)"), blank=True, editable=False)
    created_at = models.DateTimeField(_("gesendet am"), default=timezone.now)
    edited_at = models.DateTimeField(_("bearbeitet am"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("gelöscht am"), null=True, blank=True)
    # Raised by every change of this row (core.concurrency): the ETag.
    version = models.PositiveIntegerField(_("Version"), default=1, db_default=1, editable=False)
    # Files sent with the message (a message may be only files, with an empty body).
    attachments = GenericRelation(
        "files.StoredFile", content_type_field="attached_type", object_id_field="attached_id"
    )

    class Meta:
        verbose_name = _("Chatnachricht")
        verbose_name_plural = _("Chatnachrichten")
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="chat_message_seq_unique"),
            models.UniqueConstraint(
                fields=["room", "author", "client_id"], name="chat_message_client_id_unique"
            ),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="chat_message_seq_gte_1"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), MAX_BODY_LENGTH),
                name="chat_message_body_max_length",
            ),
            # A deleted message keeps its seq (no gap) but not its text.
            models.CheckConstraint(
                condition=models.Q(deleted_at__isnull=True) | models.Q(body=""),
                name="chat_message_deleted_has_no_body",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room} #{self.seq}"


class Mention(models.Model):
    """An @handle in a message: counted in the room list until the member has read it.

    Kept as rows so the notification system (when it exists) can send them,
    except for rooms the member muted.
    """

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="mentions", verbose_name=_("Nachricht")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_mentions",
        verbose_name=_("erwähntes Mitglied"),
    )

    class Meta:
        verbose_name = _("Erwähnung im Chat")
        verbose_name_plural = _("Erwähnungen im Chat")
        constraints = [
            models.UniqueConstraint(fields=["message", "member"], name="chat_mention_unique"),
        ]

    def __str__(self) -> str:
        return f"@{self.member} in {self.message}"


class RateBucket(models.Model):
    """A member's token bucket for posting (chat.ratelimit), shared by every process.

    In the database rather than in Redis so that a message on PostgreSQL takes
    its token in the same statement that stores it: one round trip, and no
    posting without Redis (docs/performance.md, Chat). One row per member who
    has posted; a missing row is a full bucket.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("Mitglied"),
    )
    tokens = models.FloatField(_("verbleibende Nachrichten"))
    # Seconds since the epoch, as a float: the same arithmetic in every database.
    stamp = models.FloatField(_("zuletzt berechnet (Unix-Zeit)"))

    class Meta:
        verbose_name = _("Nachrichtenkontingent")
        verbose_name_plural = _("Nachrichtenkontingente")

    def __str__(self) -> str:
        return f"{self.member_id}: {self.tokens:.1f}"
