"""Development on a laptop: the embedded defaults, debug on unless told."""

from typing import Any

from .base import *  # noqa: F403
from .base import (
    FIELD_ENCRYPTION_KEYS,
    INSTALLED_APPS,
    LOGGING,
    SECRET_KEY,
    development_field_encryption_key,
    env,
)

# The demo logins and generated history (manage.py demo_data, generate_history),
# and django-linear-migrations: its makemigrations writes each app's
# migrations/max_migration.txt, so two branches that add a migration to the same
# app conflict in git; its system check fails while a file is stale.
INSTALLED_APPS = [*INSTALLED_APPS, "nonprod", "django_linear_migrations"]

DEBUG = env.bool("DJANGO_DEBUG", default=True)
if not FIELD_ENCRYPTION_KEYS:
    # `make run` on a bare machine: a key derived from SECRET_KEY (see base.py).
    FIELD_ENCRYPTION_KEYS = [development_field_encryption_key(SECRET_KEY)]

# Emails are written to files, one per email, in EMAIL_FILE_PATH (var/sent-emails),
# not printed among the web server's log lines (README, "Two commands").
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")

# runserver prints "Watching for file changes" itself; once is enough.
_loggers: dict[str, Any] = dict(LOGGING.get("loggers") or {})
_loggers["django.utils.autoreload"] = {"level": "WARNING"}
LOGGING = {**LOGGING, "loggers": _loggers}
