"""The Celery app, configured from Django settings (keys prefixed CELERY_)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supervision_site.settings.local")

app = Celery("supervision_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The periodic scans, declared in code so every deployment runs the same ones.
# Later issues add the reminder and prompt scans here.
app.conf.beat_schedule = {
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
}
