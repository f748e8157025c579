"""Refuse (exit 1) when FIELD_ENCRYPTION_KEYS do not open this database's data.

Run before the web server and the worker start (docker-compose.yml's migrate
service runs `migrate`, which runs the same check); prints what is wrong.
"""

from django.core.management.base import BaseCommand, CommandError

from operations.sentinel import keys_problem


class Command(BaseCommand):
    help = "Check that FIELD_ENCRYPTION_KEYS decrypt this database's data (exit 1 if not)."
    requires_system_checks: list = []

    def handle(self, *args, **options):
        problem = keys_problem()
        if problem is not None:
            raise CommandError(problem)
        self.stdout.write(self.style.SUCCESS("FIELD_ENCRYPTION_KEYS open this database's data."))
