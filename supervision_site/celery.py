"""The Celery app, configured from Django settings (keys prefixed CELERY_)."""

import os
import sys

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supervision_site.settings.local")

app = Celery("supervision_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# A run that could not be published (the broker was down) is tried again, not skipped.
app.conf.beat_scheduler = "supervision_site.beat:CatchUpScheduler"

# The periodic scans, declared in code so every deployment runs the same ones.
# Later issues add the reminder and prompt scans here.
app.conf.beat_schedule = {
    # The outbox: every reminder and prompt that is due goes out from here.
    "dispatch-notifications": {
        "task": "notifications.tasks.dispatch_due",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Tasks whose publishing failed while the broker was down (kernel.queueing).
    "publish-unpublished-tasks": {
        "task": "kernel.tasks.publish_unpublished",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The report's roll-ups: what bookings, logs and registers marked stale is worked
    # out within seconds (reports.services.refresh_pending_rollups); a report read
    # in between works out its own organisation's first.
    "refresh-pending-rollups": {
        "task": "reports.tasks.refresh_pending_rollups",
        "schedule": 5.0,
        "options": {"expires": 4},
    },
    "schedule-allowance-nudges": {
        "task": "supervision.tasks.schedule_allowance_nudges",
        "schedule": crontab(hour=6, minute=5),
    },
    # Supervision standards: a reminder before a person becomes overdue.
    "schedule-standard-reminders": {
        "task": "supervision.tasks.schedule_standard_reminders",
        "schedule": crontab(hour=6, minute=20),
    },
    "extend-group-meetings": {
        "task": "peergroups.tasks.extend_group_meetings",
        "schedule": crontab(hour=2, minute=40),
    },
    "expire-group-offers": {
        "task": "peergroups.tasks.expire_group_offers",
        "schedule": crontab(minute="*/15"),
    },
    # Peer support: first contact's reminder to the supporter and alert to coordinators.
    "schedule-first-contact-prompts": {
        "task": "peergroups.tasks.schedule_first_contact_prompts",
        "schedule": crontab(minute="*/15"),
    },
    "schedule-wellbeing-prompts": {
        "task": "feedback.tasks.schedule_wellbeing_prompts",
        "schedule": crontab(day_of_month=1, hour=0, minute=30),
    },
    # A programme's wellbeing measure: at joining, then every few months.
    "plan-wellbeing-measure-prompts": {
        "task": "feedback.tasks.plan_measure_prompts",
        "schedule": crontab(minute=25),
    },
    "schedule-wellbeing-digests": {
        "task": "supervision.tasks.schedule_wellbeing_digests",
        "schedule": crontab(day_of_month=1, hour=6, minute=10),
    },
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    # Leavers past LEAVER_RETENTION_DAYS: private text removed, facts kept.
    "anonymise-leavers": {
        "task": "accounts.tasks.anonymise_leavers",
        "schedule": crontab(hour=3, minute=47),
    },
    # Proof that beat and a worker run: /readyz fails when it grows old.
    "beat-heartbeat": {
        "task": "operations.tasks.beat_heartbeat",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}


def worker_command(*options: str) -> list[str]:
    """The command line of a Celery worker process for this app, as the tests and the
    benchmarks start one: with `options` (a pool, a concurrency, a log level), and no
    chatter with other workers (gossip, mingle, heartbeats)."""
    return [
        sys.executable,
        *("-m", "celery", "-A", "supervision_site", "worker"),
        *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        *options,
    ]


# Logging, request ids and the encryption-key check for the worker and beat.
from . import celery_signals  # noqa: E402, F401
