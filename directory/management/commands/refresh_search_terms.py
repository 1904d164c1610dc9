"""Recompute the word weights of the expertise search when the year has changed.

The weights (PostgreSQL, ``directory_membersearchterm``) count how recent a
project is as of the year they were computed; the score counts it as of today.
Run daily from cron (docs/deploy, section 13): it does nothing until the year
(or the form of the weights, after an update) changes, then recomputes them all.
"""

from django.core.management.base import BaseCommand

from directory.search import get_backend


class Command(BaseCommand):
    help = (
        "Berechnet die Wortgewichte der Expertensuche neu, wenn sich das Jahr "
        "geändert hat (täglich per cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="auch im selben Jahr")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, force, batch_size, **options):
        if get_backend().terms_refresh(force=force, batch_size=batch_size):
            self.stdout.write("Wortgewichte der Expertensuche neu berechnet.")
        elif options["verbosity"] > 1:
            self.stdout.write("Wortgewichte sind aktuell.")
