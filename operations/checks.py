"""The encryption-key check as a Django system check, on the database tag.

Database checks run only when a database is named: `migrate` runs them (so a
restore with the wrong FIELD_ENCRYPTION_KEYS stops at `migrate`), and so does
`manage.py check --database default` (with `--deploy` too). `runserver`,
gunicorn and the Celery processes do not run database checks, so they call
`operations.sentinel.refuse_to_start_with_wrong_keys` themselves
(supervision_site/wsgi.py, supervision_site/celery.py).
"""

from django.core import checks
from django.db import DatabaseError

from .sentinel import keys_problem


@checks.register(checks.Tags.database)
def check_encryption_keys(app_configs=None, databases=None, **kwargs):
    if not databases:
        return []
    try:
        problem = keys_problem()
    except DatabaseError:
        # No tables yet (migrate checks before it creates them): nothing to check against.
        return []
    if problem is None:
        return []
    return [checks.Error(problem, id="operations.E001")]
