"""/readyz: 200 with every check when all pass, 503 naming the ones that fail.

Against the real components: a private redis-server that the test kills, a
heartbeat row of the age under test, an outbox row left unsent, the wrong key.
"""

import datetime

import pytest
from cryptography.fernet import Fernet
from django.db import OperationalError
from django.utils import timezone

from notifications.models import Notification
from operations.models import Heartbeat
from operations.services import heartbeat_record
from operations.tasks import BEAT, beat_heartbeat
from supervision_site.settings.base import REDIS_CACHE_OPTIONS
from tests.private_redis import private_redis

pytestmark = pytest.mark.django_db

CHECKS = {"database", "cache", "broker", "beat", "notifications", "encryption"}


@pytest.fixture
def beat_ran(db):
    beat_heartbeat()  # what the worker runs every minute
    return Heartbeat.objects.get(name=BEAT)


def _ready(client):
    response = client.get("/readyz")
    body = response.json()
    assert set(body["checks"]) == CHECKS
    return response.status_code, body


def test_ready_when_every_check_passes(client, beat_ran):
    status, body = _ready(client)
    assert (status, body["status"], body["failing"]) == (200, "ready", [])
    assert all(check["ok"] for check in body["checks"].values())


def test_readiness_is_public_and_never_cached(client, beat_ran):
    response = client.get("/readyz")
    assert response.status_code == 200  # no sign-in
    assert "no-store" in response["Cache-Control"]


def test_not_ready_when_beat_has_not_run_lately(client, beat_ran, settings):
    settings.READINESS_MAX_BEAT_AGE_SECONDS = 300
    Heartbeat.objects.filter(pk=beat_ran.pk).update(
        beat_at=timezone.now() - datetime.timedelta(seconds=301)
    )
    status, body = _ready(client)
    assert (status, body["failing"]) == (503, ["beat"])
    assert "limit 300 s" in body["checks"]["beat"]["detail"]


def test_not_ready_when_beat_never_ran(client):
    Heartbeat.objects.all().delete()
    status, body = _ready(client)
    assert (status, body["failing"]) == (503, ["beat"])


def test_not_ready_when_a_notification_is_due_and_unsent_too_long(
    client, beat_ran, supervisee, settings
):
    settings.READINESS_MAX_UNSENT_AGE_SECONDS = 600
    now = timezone.now()
    row = Notification.objects.create(
        recipient=supervisee,
        kind="session_reminder",
        target_type="supervision.session",
        target_id=1,
        due_at=now - datetime.timedelta(minutes=9),
        next_attempt_at=now - datetime.timedelta(minutes=9),
    )
    assert _ready(client)[0] == 200  # nine minutes: late, within the limit
    Notification.objects.filter(pk=row.pk).update(
        next_attempt_at=now - datetime.timedelta(minutes=11)
    )
    status, body = _ready(client)
    assert (status, body["failing"]) == (503, ["notifications"])
    # Sent, it no longer counts.
    Notification.objects.filter(pk=row.pk).update(state=Notification.State.SENT)
    assert _ready(client)[0] == 200


def test_not_ready_when_the_keys_do_not_open_the_sentinel(client, beat_ran, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    status, body = _ready(client)
    assert (status, body["failing"]) == (503, ["encryption"])
    assert "cannot decrypt" in body["checks"]["encryption"]["detail"]


def test_not_ready_when_the_broker_is_killed(client, beat_ran, settings):
    with private_redis() as (url, stop):
        settings.CELERY_BROKER_URL = url
        assert _ready(client)[0] == 200
        stop()
        status, body = _ready(client)
    assert (status, body["failing"]) == (503, ["broker"])
    # The public answer names no host or port.
    assert url.split("//")[1].split("/")[0] not in str(body)


def test_not_ready_when_the_cache_is_killed(client, beat_ran, settings):
    """With the deployed cache, which goes on answering from memory when Redis is lost
    (tests/test_redis_down.py): pages work, but the deployment is not ready."""
    with private_redis() as (url, stop):
        settings.CACHES = {
            "default": {
                "BACKEND": "supervision_site.cache.FailSoftRedisCache",
                "LOCATION": url,
                "OPTIONS": REDIS_CACHE_OPTIONS,
            }
        }
        assert _ready(client)[0] == 200
        stop()
        status, body = _ready(client)
    assert "cache" in body["failing"]
    assert status == 503


def test_not_ready_when_the_database_does_not_answer(client, beat_ran, monkeypatch):
    from supervision_site import readiness

    class BrokenConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(readiness, "connection", BrokenConnection())
    status, body = _ready(client)
    assert status == 503
    assert "database" in body["failing"]
    assert body["checks"]["database"]["detail"] == "unavailable (OperationalError)"


def test_the_heartbeat_is_on_beats_schedule_every_minute():
    from supervision_site.celery import app

    entry = next(
        e for e in app.conf.beat_schedule.values() if e["task"] == "operations.tasks.beat_heartbeat"
    )
    assert entry["schedule"] == 60.0
    heartbeat_record(name=BEAT)
    assert Heartbeat.objects.filter(name=BEAT).count() == 1
