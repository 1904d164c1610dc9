"""Cron: ``manage.py send_notification_digest daily`` (every morning) and ``weekly`` (Mondays)."""

from django.core.management.base import BaseCommand

from community.models import EmailFrequency
from notifications import services


class Command(BaseCommand):
    help = "Sendet die gebündelten Benachrichtigungen (täglich oder wöchentlich) per E-Mail."

    def add_arguments(self, parser):
        parser.add_argument(
            "frequency", choices=[EmailFrequency.DAILY.value, EmailFrequency.WEEKLY.value]
        )

    def handle(self, *args, frequency, **options):
        sent = services.notification_digest_send(frequency=frequency)
        self.stdout.write(f"{sent} digest mail(s) sent")
