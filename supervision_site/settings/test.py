"""The test suite: whichever database DATABASE_URL names (make test picks it)."""

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS, REDIS_URL, VAR_DIR, env

# The demo data and history generators; django-linear-migrations, whose system
# check fails `make lint` (makemigrations --check) when a max_migration.txt is stale.
INSTALLED_APPS = [*INSTALLED_APPS, "nonprod", "django_linear_migrations"]

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-any-real-deployment-0123456789"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A fixed key (base64 of "test-only-field-encryption-key!!"), whatever the environment says.
FIELD_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE="]

# A real Celery worker started by a test runs in another process, so it must
# find the test database on disk and leave its emails where the test can read them.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
TEST_EMAIL_DIR = env("TEST_EMAIL_DIR", default="")
if TEST_EMAIL_DIR:
    EMAIL_BACKEND = env(
        "TEST_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
    )
    EMAIL_FILE_PATH = TEST_EMAIL_DIR
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if not REDIS_URL:
    # Kept apart from the broker file that `make run` uses.
    CELERY_BROKER_URL = f"sqla+sqlite:///{VAR_DIR / 'test-broker.sqlite3'}"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Rate limits are exercised in their own tests; the many logins of the
# role x URL matrix would otherwise trip them.
ACCOUNT_RATE_LIMITS = False
# Session time limits too (tests/accounts/test_security_sessions.py turns them
# on): many tests travel months in time while signed in.
SESSION_IDLE_MINUTES = None
SESSION_MAX_HOURS = None
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14  # Django's default
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
