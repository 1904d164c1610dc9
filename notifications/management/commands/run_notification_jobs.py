"""The sweeper of the bell's outbox (``notifications.jobs``).

``manage.py run_notification_jobs --once`` from cron (every minute), or
without ``--once`` as a service (systemd: ``docs/deploy/``) that looks every
``--interval`` seconds. Either takes up what a process left behind when it
died between a commit and its work: jobs never claimed, and jobs whose lease
ran out. Jobs younger than ``--grace`` seconds are left to the pool of the
process that wrote them.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from notifications import background, jobs


class Command(BaseCommand):
    help = (
        "Führt liegengebliebene Aufträge der Benachrichtigungen aus "
        "(Verteilung an Beobachtende, sofortige E-Mails, Web Push)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Einmal, dann Ende (cron).")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Sekunden zwischen zwei Runden."
        )
        parser.add_argument("--grace", type=float, default=jobs.GRACE_SECONDS)
        parser.add_argument("--limit", type=int, default=500, help="Aufträge je Runde.")

    def handle(self, *args, once, interval, grace, limit, **options):
        if limit < 1 or grace < 0 or interval < 0:
            raise CommandError("--limit must be at least 1, --grace and --interval not negative.")
        while True:
            done = 0
            while True:  # a full round: as long as jobs get done (one may write the next)
                ran = jobs.jobs_run_due(grace_seconds=grace, limit=limit)
                done += ran
                if not ran:
                    break
            background.wait(timeout=120)  # what the jobs handed on, before exiting
            if done or once:
                self.stdout.write(f"{done} notification job(s) done")
            if once:
                return
            connections.close_all()
            time.sleep(max(interval, 0.5))
