"""Production: refuses to start without the values that must not be guessed."""

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from supervision_site.logs import logging_config

from .base import *  # noqa: F403
from .base import DATABASES, LOG_LEVEL, env, keep_connections

REQUIRED = ("DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOWED_HOSTS")
missing = [name for name in REQUIRED if not env.str(name, default="")]
if not (env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="")):
    missing.append("CELERY_BROKER_URL or REDIS_URL")
if not [key for key in env.list("FIELD_ENCRYPTION_KEYS", default=[]) if key.strip()]:
    missing.append("FIELD_ENCRYPTION_KEYS")
if missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + ", ".join(missing)
    )
if len(env.str("DJANGO_SECRET_KEY")) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters long.")

FIELD_ENCRYPTION_KEYS = [key.strip() for key in env.list("FIELD_ENCRYPTION_KEYS") if key.strip()]
for position, key in enumerate(FIELD_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS: key {position} is not a Fernet key (44 characters of "
            'URL-safe base64). Generate one with: python -c "from cryptography.fernet '
            'import Fernet; print(Fernet.generate_key().decode())"'
        ) from None

DEBUG = False
keep_connections(DATABASES)
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Load balancers and monitors ask over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# __Host-: browsers accept these only over HTTPS, for the whole site (Path=/)
# and from this exact host (no Domain), so no subdomain can set or shadow them.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default="/app/staticfiles")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

# JSON log lines for the log collector, unless LOG_FORMAT says otherwise.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
