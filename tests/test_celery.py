import os
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from kernel.models import Band, Profession
from supervision.services.people import staff_invite
from supervision_site.celery import app, worker_command

ROOT = Path(__file__).resolve().parent.parent


def test_celery_speaks_json_in_utc_with_time_limits():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.timezone == "UTC"
    assert app.conf.task_time_limit
    assert app.conf.task_soft_time_limit
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_acks_late is True
    assert app.conf.task_always_eager is False


def test_every_beat_task_is_a_registered_task():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled
    assert scheduled <= set(app.tasks)


def test_broker_is_redis_when_configured_and_a_local_file_otherwise():
    if settings.REDIS_URL:
        assert settings.CELERY_BROKER_URL.startswith("redis://")
    else:
        assert settings.CELERY_BROKER_URL.startswith("sqla+sqlite:///")


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_delivers_the_invitation(organisation, programme_admin, tmp_path):
    """Queue through the configured broker; a separate worker process sends the email."""
    app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supervision_site.settings.test",
        "DATABASE_URL": _database_url(),
        "TEST_EMAIL_DIR": str(tmp_path),
    }
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        worker_command("--pool=solo", "--loglevel=warning"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert worker.stdout is not None  # piped
    try:
        staff_invite(
            actor=programme_admin,
            organisation=organisation,
            email="via.worker@westfield.example",
            first_name="Via",
            last_name="Worker",
            profession=Profession.NURSE,
            band=Band.BAND_6,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(tmp_path.iterdir()):
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.25)
        messages = [path.read_text() for path in tmp_path.iterdir()]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert len(messages) == 1
    assert "To: via.worker@westfield.example" in messages[0]
    assert "/accounts/invitation/" in messages[0]
