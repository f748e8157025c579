"""Django's flush, allowed to empty the append-only audit table on SQLite too.

PostgreSQL's flush uses TRUNCATE, which the row trigger there does not stop;
SQLite's flush uses DELETE, which its trigger allows only inside this command
(see audit/db.py). Everything else about flush is Django's own.
"""

from django.core.management.commands.flush import Command as FlushCommand

from audit.db import purge_allowed


class Command(FlushCommand):
    def handle(self, **options):
        with purge_allowed():
            return super().handle(**options)
