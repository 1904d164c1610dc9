"""Delete chat messages older than ``CHAT_RETENTION_DAYS`` (run from cron, e.g. nightly)."""

from django.core.management.base import BaseCommand

from chat import retention


class Command(BaseCommand):
    help = (
        "Löscht Chatnachrichten, die älter als die Aufbewahrungsfrist sind "
        "(CHAT_RETENTION_DAYS, CHAT_RETENTION_DAYS_BY_KIND; 0 = unbegrenzt)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Nur zählen, nichts löschen.")

    def handle(self, *args, dry_run=False, **options):
        counts = retention.chat_history_purge(dry_run=dry_run)
        if not counts:
            self.stdout.write("Keine Aufbewahrungsfrist gesetzt; nichts gelöscht.")
            return
        verb = "würden gelöscht" if dry_run else "gelöscht"
        for kind, count in sorted(counts.items()):
            self.stdout.write(f"{kind}: {count} Nachricht(en) {verb}.")
