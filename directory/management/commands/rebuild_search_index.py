"""Rebuild every member's search document, e.g. after a restore or a bulk import."""

from django.core.management.base import BaseCommand

from community.models import User
from directory.search import get_backend
from directory.services import search_index_update


class Command(BaseCommand):
    help = "Baut den Suchindex der Expertensuche für alle Mitglieder neu auf."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size, **options):
        # Deactivated members too: their documents say so, and the search skips them.
        ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
        get_backend().vocabulary_clear()
        for start in range(0, len(ids), batch_size):
            search_index_update(member_ids=ids[start : start + batch_size])
        backend = get_backend()
        backend.terms_stamp_write()  # the word weights are this year's now
        self.stdout.write(
            f"{len(ids)} Mitglieder indiziert ({backend.vendor}: Stammformen "
            f"{'ja' if backend.supports_stemming else 'nein'}, Tippfehler "
            f"{'ja' if backend.supports_typo_tolerance else 'nein'})."
        )
