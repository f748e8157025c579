"""Benchmarks under bench/: production-like, with emails written to a folder."""

from .base import *  # noqa: F403
from .base import (
    DATABASES,
    FIELD_ENCRYPTION_KEYS,
    INSTALLED_APPS,
    MIDDLEWARE,
    SECRET_KEY,
    VAR_DIR,
    development_field_encryption_key,
    env,
    keep_connections,
)

DEBUG = False
# Production's connection policy (settings/production.py cannot be imported here: it
# demands production's secrets and HTTPS).
keep_connections(DATABASES)
INSTALLED_APPS = [*INSTALLED_APPS, "nonprod"]  # generate_history fills the bench database
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env("BENCH_EMAIL_DIR", default=str(VAR_DIR / "bench-emails"))
if not FIELD_ENCRYPTION_KEYS:
    FIELD_ENCRYPTION_KEYS = [development_field_encryption_key(SECRET_KEY)]
# Every response says how many queries it ran (X-Query-Count) and how long it
# spent in Django and in the database (Server-Timing), for bench/run.py to read.
# Outermost, so the session and user lookups and the session save count too.
MIDDLEWARE = ["bench.querycount.QueryCountMiddleware", *MIDDLEWARE]
