"""Remind confirmed participants a day before their event (run from cron, e.g. hourly).

Each participant is reminded once: the signup remembers it (``reminded_at``).
"""

from django.core.management.base import BaseCommand

from events import services


class Command(BaseCommand):
    help = "Sendet Erinnerungen an bestätigte Teilnehmende von Terminen der nächsten 24 Stunden."

    def handle(self, *args, **options):
        count = services.reminders_send()
        self.stdout.write(f"{count} Erinnerung(en) verschickt.")
