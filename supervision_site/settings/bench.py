"""Benchmarks under bench/: production-like, with emails written to a folder."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = False
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env("BENCH_EMAIL_DIR", default=str(VAR_DIR / "bench-emails"))
