"""The bell: what a member should know about, shown live and mailed per their choice.

The table was created by community (migration 0005) and keeps its name, so
moving the model here changed no row (issue 17).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from community.models import User
from notifications import texts

# Kinds that collapse into one entry per member and conversation (thread_key),
# as Discourse does: "5 neue Antworten in „…“", not five rows. Everything else
# (mentions above all: a mention is personal) stays one entry per event.
COLLAPSING_KINDS = ("chat.direct", "forum.reply")
# The text of a collapsed entry counting more than one event; for one, the
# stored ``text`` (which names who did it) is shown.
# Lazy with the number named "count": translated when shown, in the reader's language.
COLLAPSED_TEXTS = {
    "chat.direct": ngettext_lazy(
        "%(count)d neue Direktnachricht in „%(title)s“",
        "%(count)d neue Direktnachrichten in „%(title)s“",
        "count",
    ),
    "forum.reply": ngettext_lazy(
        "%(count)d neue Antwort in „%(title)s“",
        "%(count)d neue Antworten in „%(title)s“",
        "count",
    ),
}


class Notification(models.Model):
    """Something a member should know about: shown by the bell, mailed per their choice.

    ``thread_key`` (e.g. ``forum.thread.12``) bundles notifications of one
    conversation, so e-mails and digests never carry one mail per post. Kinds in
    ``COLLAPSING_KINDS`` keep one row per member and conversation: ``item_count``
    events since ``since`` (when it last became unread), ``created_at`` the
    latest. ``object_key`` (e.g. ``forum.post.7``) names what a single entry is
    about, so deleting that withdraws it.
    """

    recipient = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("Empfänger:in"),
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ausgelöst von"),
    )
    kind = models.CharField(_("Art"), max_length=40)
    text = models.CharField(_("Text"), max_length=300)
    # The untranslated text and its values (notifications.texts.later): shown in
    # the reader's language. Empty: ``text`` as stored.
    text_template = models.CharField(_("Textvorlage"), max_length=300, blank=True, default="")
    text_args = models.JSONField(_("Werte der Textvorlage"), default=dict, blank=True)
    url = models.CharField(_("Ziel"), max_length=500)
    thread_key = models.CharField(_("Gesprächsfaden"), max_length=100, blank=True)
    thread_title = models.CharField(_("Titel des Gesprächsfadens"), max_length=200, blank=True)
    object_key = models.CharField(_("Gegenstand"), max_length=100, blank=True, default="")
    item_count = models.PositiveIntegerField(_("Anzahl"), default=1)
    since = models.DateTimeField(_("ungelesen seit"), default=timezone.now)
    created_at = models.DateTimeField(_("erstellt am"), default=timezone.now)
    read_at = models.DateTimeField(_("gelesen am"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("per E-Mail gesendet am"), null=True, blank=True)

    class Meta:
        # Created by community; moved here without touching the table.
        db_table = "community_notification"
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="notification_recipient_new",
            ),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(emailed_at__isnull=True, read_at__isnull=True),
                name="notification_unmailed",
            ),
            models.Index(
                fields=["object_key"],
                condition=~models.Q(object_key=""),
                name="notification_object",
            ),
        ]
        constraints = [
            # The upsert of notifications.services.notify_members relies on it.
            models.UniqueConstraint(
                fields=["recipient", "kind", "thread_key"],
                condition=models.Q(kind__in=COLLAPSING_KINDS),
                name="notification_one_per_conversation",
            ),
            models.CheckConstraint(
                condition=models.Q(item_count__gte=1), name="notification_item_count_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        """What the bell says: a collapsed entry of several events says how many."""
        collapsed = COLLAPSED_TEXTS.get(self.kind)
        if collapsed is None or self.item_count <= 1:
            if self.text_template:
                return texts.render(self.text_template, self.text_args or {}, fallback=self.text)
            return self.text
        return collapsed % {"count": self.item_count, "title": self.thread_title}

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class PushSubscription(models.Model):
    """One browser of a member that asked for Web Push (RFC 8030): where to send and how to encrypt.

    The endpoint is the push service's address for this browser; whoever knows
    it can send there, so it is shown to nobody but its member. ``p256dh`` and
    ``auth`` (base64url, RFC 8291) encrypt each message for that browser alone.
    """

    member = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
        verbose_name=_("Mitglied"),
    )
    endpoint = models.CharField(_("Adresse beim Push-Dienst"), max_length=1000)
    p256dh = models.CharField(_("öffentlicher Schlüssel des Geräts"), max_length=100)
    auth = models.CharField(_("Geheimnis des Geräts"), max_length=50)
    label = models.CharField(_("Gerät"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("eingerichtet am"), default=timezone.now)
    last_success_at = models.DateTimeField(_("zuletzt zugestellt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Push-Abonnement")
        verbose_name_plural = _("Push-Abonnements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint"], name="push_subscription_unique_endpoint"),
        ]

    def __str__(self) -> str:
        return self.label or self.endpoint[:60]


class NotificationJob(models.Model):
    """Work after a commit, written in the transaction of what it follows (an outbox).

    A row exists if and only if its content committed: a forum reply's fan-out
    to its watchers, the immediate mails and Web Push of new entries. It names
    what to do (``kind``, registered in ``notifications.jobs``) and its
    parameters (a post's id, a few entries' ids), never a list of watchers.
    Right after the commit this process's pool runs it; whoever runs it first
    takes a lease (``claimed_until``); on success the row goes in the same
    transaction as the work's writes. A process that died leaves the row: the
    sweeper (``manage.py run_notification_jobs`` and the pool now and then)
    takes it once its lease has run out. ``attempts`` counts claims; after
    ``jobs.MAX_ATTEMPTS`` failures it is given up (``failed_at``, logged).
    """

    kind = models.CharField(_("Art"), max_length=60)
    params = models.JSONField(_("Parameter"), default=dict, blank=True)
    # What it is about (e.g. forum.post.7): deleting that cancels a pending job.
    object_key = models.CharField(_("Gegenstand"), max_length=100, blank=True, default="")
    # Whose doing it is: erasing the member drops their pending jobs.
    member = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ausgelöst von"),
    )
    created_at = models.DateTimeField(_("erstellt am"), default=timezone.now)
    due_at = models.DateTimeField(_("fällig ab"), default=timezone.now)
    claimed_until = models.DateTimeField(_("in Arbeit bis"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("Versuche"), default=0)
    last_error = models.CharField(_("letzter Fehler"), max_length=300, blank=True, default="")
    failed_at = models.DateTimeField(_("aufgegeben am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Auftrag der Benachrichtigungen")
        verbose_name_plural = _("Aufträge der Benachrichtigungen")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(failed_at__isnull=True),
                name="notification_job_due",
            ),
            models.Index(
                fields=["object_key"],
                condition=~models.Q(object_key=""),
                name="notification_job_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
