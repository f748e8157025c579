"""Attack an organisation's own engagement report by differencing and say what leaks.

    manage.py check_disclosure --organisation westfield [--months 12]

For an information-governance officer: every report table for every single
department, band, profession and programme, and every month as the difference
of two overlapping ranges, over the last complete months. Prints how many
small counts (0 to 4) the attack tried to work out and how many it got
exactly; exits 1 if any, or if any count is hidden or shown as 1 to 4.
"""

import dataclasses
import time

from django.core.management.base import BaseCommand, CommandError

from kernel.models import Organisation, StaffProfile
from reports.differencing import Findings, partition_attack, range_attack
from reports.report import board_scope


class Command(BaseCommand):
    help = "Attack the engagement report by differencing and report what leaks."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="the organisation's slug")
        parser.add_argument("--months", type=int, default=12, help="months to attack (1-12)")

    def handle(self, *args, organisation, months, **options):
        found = Organisation.objects.filter(slug=organisation).first()
        if found is None:
            raise CommandError(f"No organisation with the slug {organisation!r}.")
        if not 1 <= months <= 12:
            raise CommandError("--months must be from 1 to 12.")
        scope = board_scope(found)
        scope = dataclasses.replace(scope, first_month=scope.months[12 - months])
        profiles = StaffProfile.objects.filter(organisation=found)
        partitions = {
            "department_id": sorted(
                {d for d in profiles.values_list("department_id", flat=True) if d}
            ),
            "band": sorted({b for b in profiles.values_list("band", flat=True) if b}),
            "profession": sorted({p for p in profiles.values_list("profession", flat=True) if p}),
            "programme_id": list(found.programmes.values_list("pk", flat=True)),
        }
        started = time.monotonic()
        findings = Findings()
        partition_attack(findings, scope, partitions)
        range_attack(findings, scope)
        for dimension in ("department_id", "band"):
            for value in partitions[dimension]:
                range_attack(findings, dataclasses.replace(scope, **{dimension: value}))
        self.stdout.write(
            f"{found.name}, {scope.first_month:%B %Y} to {scope.last_month:%B %Y}: "
            f"{findings.tried} small counts (0 to 4) attacked by differencing, "
            f"{len(findings.recovered)} recovered exactly; "
            f"{len(findings.hidden_counts)} counts hidden, "
            f"{len(findings.small_shown)} shown as 1 to 4 "
            f"({time.monotonic() - started:.0f} s)."
        )
        for what, truth in findings.recovered[:20]:
            self.stdout.write(f"  recovered {truth}: {what}")
        if not findings.safe:
            raise SystemExit(1)
