"""Work out the report's roll-ups again from every session and register entry, and the
cells the report reads from them."""

import time

from django.core.management.base import BaseCommand

from reports.models import ReportCell
from reports.services import rebuild_rollups


class Command(BaseCommand):
    help = (
        "Rebuild the engagement report's roll-up table and its cells from scratch "
        "(one transaction)."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        rows = rebuild_rollups()
        seconds = time.perf_counter() - started
        cells = ReportCell.objects.count()
        self.stdout.write(f"Rebuilt {rows} roll-up rows and {cells} cells in {seconds:.1f} s.")
