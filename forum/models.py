"""The forum: categories, threads, posts, and what members do with them.

Posts are numbered 1, 2, 3 … within their thread, without gaps (a deleted
post stays as a tombstone). Pages, read positions and "jump to the first
unread post" are ranges over that number: an index lookup whatever the
length of the thread, never an OFFSET.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import OneLineCharField

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 20000
REASON_MAX_LENGTH = 500


class Category(models.Model):
    name = OneLineCharField(_("Name"), max_length=100)
    slug = models.SlugField(_("Kurzname"), max_length=100, unique=True)
    description = models.TextField(_("Beschreibung"), blank=True, max_length=2000)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    moderators_only_threads = models.BooleanField(
        _("nur Moderation beginnt Themen"),
        default=False,
        help_text=_("Etwa für Ankündigungen: Antworten darf jedes Mitglied."),
    )

    class Meta:
        verbose_name = _("Kategorie")
        verbose_name_plural = _("Kategorien")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:category", kwargs={"slug": self.slug})


class Thread(models.Model):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="threads", verbose_name=_("Kategorie")
    )
    title = OneLineCharField(_("Titel"), max_length=TITLE_MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="forum_threads",
        verbose_name=_("begonnen von"),
    )
    tags = models.ManyToManyField(
        "community.Expertise",
        blank=True,
        related_name="forum_threads",
        verbose_name=_("Fachgebiete"),
    )
    project = models.ForeignKey(
        "community.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="forum_threads",
        verbose_name=_("Projekt"),
    )
    pinned = models.BooleanField(_("angeheftet"), default=False)
    locked = models.BooleanField(_("geschlossen"), default=False)
    created_at = models.DateTimeField(_("begonnen am"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("letzte Aktivität"), default=timezone.now)
    post_count = models.PositiveIntegerField(_("Beiträge"), default=0)
    edited_at = models.DateTimeField(_("Titel oder Fachgebiete geändert am"), null=True, blank=True)
    solution = models.ForeignKey(
        "Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Lösung"),
    )

    class Meta:
        verbose_name = _("Thema")
        verbose_name_plural = _("Themen")
        ordering = ["-pinned", "-last_activity_at", "-pk"]
        indexes = [
            # The thread list of a category, keyset-paginated by (activity, id).
            models.Index(
                fields=["category", "-pinned", "-last_activity_at", "-id"],
                name="forum_thread_category_list",
            ),
            models.Index(fields=["-last_activity_at", "-id"], name="forum_thread_activity"),
            # PostgreSQL also has a trigram GIN index on the title (migration 0003) for typos.
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(title=""), name="forum_thread_title_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forum:thread", kwargs={"pk": self.pk})

    @property
    def notification_key(self) -> str:
        return f"forum.thread.{self.pk}"


class Post(models.Model):
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="posts", verbose_name=_("Thema")
    )
    number = models.PositiveIntegerField(_("Nummer im Thema"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="forum_posts",
        verbose_name=_("verfasst von"),
    )
    body = models.TextField(_("Text"), max_length=BODY_MAX_LENGTH)
    body_html = models.TextField(_("Text (HTML)"), blank=True, editable=False)
    created_at = models.DateTimeField(_("verfasst am"), default=timezone.now)
    edited_at = models.DateTimeField(_("geändert am"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("gelöscht am"), null=True, blank=True)
    hidden = models.BooleanField(_("ausgeblendet"), default=False)
    # Raised by every change of this row (core.concurrency): the ETag.
    version = models.PositiveIntegerField(_("Version"), default=1, db_default=1, editable=False)
    hidden_reason = models.CharField(
        _("Grund für das Ausblenden"), max_length=REASON_MAX_LENGTH, blank=True
    )
    # PostgreSQL: title (A), text (B) and attached files' text (C), German-stemmed;
    # SQLite keeps an FTS5 table.
    search_vector = SearchVectorField(null=True, editable=False)
    # The files attached to the post (a thread's files are its first post's).
    attachments = GenericRelation(
        "files.StoredFile", content_type_field="attached_type", object_id_field="attached_id"
    )

    class Meta:
        verbose_name = _("Beitrag")
        verbose_name_plural = _("Beiträge")
        ordering = ["thread", "number"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="forum_post_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="forum_post_number_pos"),
            models.CheckConstraint(
                condition=~models.Q(hidden=True) | ~models.Q(hidden_reason=""),
                name="forum_post_hidden_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["author", "-created_at"], name="forum_post_author")]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("forum:post", kwargs={"pk": self.pk})

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Revision(models.Model):
    """Who changed something and when; the edit histories of posts and threads are public."""

    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("geändert von"),
    )
    created_at = models.DateTimeField(_("geändert am"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]


class PostRevision(Revision):
    """The text of a post before an edit: the public edit history."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("Beitrag")
    )
    body = models.TextField(_("vorheriger Text"))
    body_html = models.TextField(_("vorheriger Text (HTML)"), blank=True)

    class Meta(Revision.Meta):
        verbose_name = _("Version")
        verbose_name_plural = _("Versionen")

    def __str__(self) -> str:
        return f"{self.post} @ {self.created_at:%Y-%m-%d %H:%M}"


class ThreadRevision(Revision):
    """Title and tags of a thread before an edit: its public edit history."""

    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("Thema")
    )
    title = models.CharField(_("vorheriger Titel"), max_length=TITLE_MAX_LENGTH)
    tags = models.CharField(_("vorherige Fachgebiete"), max_length=500, blank=True)

    class Meta(Revision.Meta):
        verbose_name = _("Version des Themas")
        verbose_name_plural = _("Versionen des Themas")

    def __str__(self) -> str:
        return f"{self.thread_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class ReactionKind(models.TextChoices):
    THANKS = "thanks", _("Danke")
    AGREE = "agree", _("Zustimmung")
    HELPFUL = "helpful", _("Hilfreich")
    IDEA = "idea", _("Gute Idee")


REACTION_SYMBOLS = {"thanks": "🙏", "agree": "👍", "helpful": "💡", "idea": "✨"}


class Reaction(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("Beitrag")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("Mitglied"),
    )
    kind = models.CharField(_("Reaktion"), max_length=10, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Reaktion")
        verbose_name_plural = _("Reaktionen")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "member", "kind"], name="forum_reaction_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ReactionKind.values), name="forum_reaction_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.post_id}"


class ReadState(models.Model):
    """How far a member has read a thread: the highest post number seen."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("Mitglied"),
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="read_states", verbose_name=_("Thema")
    )
    last_read_number = models.PositiveIntegerField(_("gelesen bis Beitrag"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Lesestand")
        verbose_name_plural = _("Lesestände")
        constraints = [
            models.UniqueConstraint(fields=["member", "thread"], name="forum_readstate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.thread_id}: {self.last_read_number}"


class Subscription(models.Model):
    """A member watches exactly one thread, category or tag."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="forum_subscriptions",
        verbose_name=_("Mitglied"),
    )
    thread = models.ForeignKey(
        Thread,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("Thema"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("Kategorie"),
    )
    tag = models.ForeignKey(
        "community.Expertise",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="forum_subscriptions",
        verbose_name=_("Fachgebiet"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Beobachtung")
        verbose_name_plural = _("Beobachtungen")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(thread__isnull=False, category__isnull=True, tag__isnull=True)
                | models.Q(thread__isnull=True, category__isnull=False, tag__isnull=True)
                | models.Q(thread__isnull=True, category__isnull=True, tag__isnull=False),
                name="forum_subscription_one_target",
            ),
            models.UniqueConstraint(
                fields=["member", "thread"],
                condition=models.Q(thread__isnull=False),
                name="forum_subscription_thread_unique",
            ),
            models.UniqueConstraint(
                fields=["member", "category"],
                condition=models.Q(category__isnull=False),
                name="forum_subscription_category_unique",
            ),
            models.UniqueConstraint(
                fields=["member", "tag"],
                condition=models.Q(tag__isnull=False),
                name="forum_subscription_tag_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.thread_id or self.category_id or self.tag_id}"


class Flag(models.Model):
    """A member reports a post to the moderators."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="flags", verbose_name=_("Beitrag")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("gemeldet von"),
    )
    reason = models.CharField(_("Grund"), max_length=REASON_MAX_LENGTH)
    created_at = models.DateTimeField(_("gemeldet am"), default=timezone.now)
    resolved_at = models.DateTimeField(_("erledigt am"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erledigt von"),
    )

    class Meta:
        verbose_name = _("Meldung")
        verbose_name_plural = _("Meldungen")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "member"],
                condition=models.Q(resolved_at__isnull=True),
                name="forum_flag_one_open_per_member",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="forum_flag_has_reason"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="forum_flag_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.post} ({self.reason[:40]})"


class ModerationAction(models.TextChoices):
    PIN = "pin", _("angeheftet")
    UNPIN = "unpin", _("gelöst")
    LOCK = "lock", _("geschlossen")
    UNLOCK = "unlock", _("wieder geöffnet")
    MOVE = "move", _("verschoben")
    HIDE = "hide", _("Beitrag ausgeblendet")
    UNHIDE = "unhide", _("Beitrag wieder eingeblendet")
    RESOLVE_FLAG = "resolve_flag", _("Meldung erledigt")
    EDIT = "edit", _("fremden Beitrag geändert")
    DELETE = "delete", _("fremden Beitrag gelöscht")
    SOLUTION = "solution", _("Lösung markiert")
    THREAD_EDIT = "thread_edit", _("fremdes Thema umbenannt oder verschlagwortet")


class ModerationLog(models.Model):
    """Every moderator action, for accountability."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("Moderation"),
    )
    action = models.CharField(_("Aktion"), max_length=20, choices=ModerationAction.choices)
    thread = models.ForeignKey(
        Thread,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Thema"),
    )
    post = models.ForeignKey(
        Post,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Beitrag"),
    )
    detail = models.CharField(_("Einzelheiten"), max_length=REASON_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("am"), default=timezone.now)

    class Meta:
        verbose_name = _("Moderationsprotokoll")
        verbose_name_plural = _("Moderationsprotokoll")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=ModerationAction.values),
                name="forum_modlog_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"
