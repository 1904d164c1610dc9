"""Delete uploads that were never attached (run from cron, e.g. nightly)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from files import services


class Command(BaseCommand):
    help = "Löscht hochgeladene Dateien, die nach einem Tag noch nirgends angehängt sind."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=int, default=24, help="Alter in Stunden (Voreinstellung 24)."
        )

    def handle(self, *args, hours=24, **options):
        deleted = services.files_purge_unattached(older_than=timedelta(hours=max(hours, 1)))
        self.stdout.write(f"{deleted} nicht angehängte Datei(en) gelöscht.")
