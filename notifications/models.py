"""The bell: what a member should know about, shown live and mailed per their choice.

The table was created by community (migration 0005) and keeps its name, so
moving the model here changed no row (issue 17).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import User


class Notification(models.Model):
    """Something a member should know about: shown by the bell, mailed per their choice.

    ``thread_key`` (e.g. ``forum.thread.12``) bundles notifications of one
    conversation, so e-mails and digests never carry one mail per post.
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
    url = models.CharField(_("Ziel"), max_length=500)
    thread_key = models.CharField(_("Gesprächsfaden"), max_length=100, blank=True)
    thread_title = models.CharField(_("Titel des Gesprächsfadens"), max_length=200, blank=True)
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
        ]

    def __str__(self) -> str:
        return self.text

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
