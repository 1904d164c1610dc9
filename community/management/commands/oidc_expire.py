"""Deactivate members who have not signed in through their municipality's provider for
OIDC_MAX_AGE_DAYS days: who left the municipality loses access here too (issue 21).
Run it daily (cron, systemd timer)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from community.services.oidc import oidc_members_expire


class Command(BaseCommand):
    help = (
        "Deaktiviert Mitglieder von Kommunen mit Identitätsanbieter, die sich seit "
        "OIDC_MAX_AGE_DAYS Tagen nicht über ihn angemeldet haben."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days, **options):
        max_age = settings.OIDC_MAX_AGE_DAYS if days is None else days
        count = oidc_members_expire(max_age_days=max_age)
        self.stdout.write(f"{count} Mitglied(er) deaktiviert.")
