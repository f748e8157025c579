"""Development on a laptop: the embedded defaults, debug on unless told."""

from .base import *  # noqa: F403
from .base import (
    FIELD_ENCRYPTION_KEYS,
    INSTALLED_APPS,
    SECRET_KEY,
    development_field_encryption_key,
    env,
)

# The demo logins and generated history (manage.py demo_data, generate_history).
INSTALLED_APPS = [*INSTALLED_APPS, "nonprod"]

DEBUG = env.bool("DJANGO_DEBUG", default=True)
if not FIELD_ENCRYPTION_KEYS:
    # `make run` on a bare machine: a key derived from SECRET_KEY (see base.py).
    FIELD_ENCRYPTION_KEYS = [development_field_encryption_key(SECRET_KEY)]
