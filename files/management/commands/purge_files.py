"""Delete uploads that were never attached, and stored bytes no row names (cron, nightly)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from files import services


class Command(BaseCommand):
    help = (
        "Löscht hochgeladene Dateien, die nach einem Tag noch nirgends angehängt sind, "
        "und Inhalte im Speicher, zu denen keine Datei (mehr) gehört."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=int, default=24, help="Alter in Stunden (Voreinstellung 24)."
        )

    def handle(self, *args, hours=24, **options):
        older_than = timedelta(hours=max(hours, 1))
        deleted = services.files_purge_unattached(older_than=older_than)
        self.stdout.write(f"{deleted} nicht angehängte Datei(en) gelöscht.")
        orphans = services.files_purge_orphaned_blobs(older_than=older_than)
        self.stdout.write(f"{orphans} verwaiste Inhalt(e) im Speicher gelöscht.")
