from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from nonprod.history import HistoryError, generate_benchmark_history, generate_demo_history
from nonprod.outbox import deliver_without_email


class Command(BaseCommand):
    help = (
        "Add realistic history for the engagement reports: a year of it for the demo "
        "organisations (after demo_data), or, with --organisations, new organisations at "
        "benchmark scale. Running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--organisations",
            type=int,
            default=0,
            help="Create this many new organisations at benchmark scale "
            "(default 0: extend the demo organisations instead).",
        )
        parser.add_argument(
            "--staff",
            type=int,
            help="Extra staff (demo: 360, five in six at Westfield; benchmark: 10000).",
        )
        parser.add_argument(
            "--sessions",
            type=int,
            help="Benchmark only: one-to-one sessions and group meetings in all (100000).",
        )
        parser.add_argument(
            "--months", type=int, help="Months of history up to today (demo 12, benchmark 24)."
        )
        parser.add_argument("--seed", type=int, help="Random seed (demo 2026, benchmark 1).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (never on a real deployment).",
        )

    def handle(self, *args, organisations=0, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Generated history is for development: DEBUG is off. "
                "Use --force if you really mean it."
            )
        given = {k: options[k] for k in ("staff", "sessions", "months", "seed") if options[k]}
        for name in ("staff", "sessions", "months"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if organisations < 0:
            raise CommandError("--organisations cannot be negative.")
        try:
            if organisations:
                summary = generate_benchmark_history(organisations=organisations, **given)
            else:
                if "sessions" in given:
                    raise CommandError("--sessions is for benchmark scale: add --organisations.")
                if "staff" in given:
                    staff = given.pop("staff")
                    given["westfield_staff"] = staff - staff // 6
                    given["northgate_staff"] = staff // 6
                summary = generate_demo_history(**given)
        except HistoryError as error:
            raise CommandError(str(error)) from error
        deliver_without_email()  # the history's own notifications: no email (nonprod/outbox.py)
        self.stdout.write(summary.line())
