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
