"""Work out the report's roll-ups again from every session and register entry."""

import time

from django.core.management.base import BaseCommand

from reports.services import rebuild_rollups


class Command(BaseCommand):
    help = "Rebuild the engagement report's roll-up table from scratch (one transaction)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        rows = rebuild_rollups()
        seconds = time.perf_counter() - started
        self.stdout.write(f"Rebuilt {rows} roll-up rows in {seconds:.1f} s.")
