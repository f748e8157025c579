"""The outbox with real parts: a real Celery worker, the real broker and database."""

import datetime
import os
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core import mail

from notifications.models import Notification
from notifications.tasks import dispatch_due
from supervision.services.sessions import session_book
from supervision_site.celery import app, worker_command
from tests.outbox import due_booked_notifications
from tests.scenario import NOW, tuesday
from tests.test_celery import _database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_real_worker_delivers_each_reminder_exactly_once(agreement):
    app.control.purge()
    with time_machine.travel(NOW, tick=False):
        session = session_book(
            actor=agreement.supervisee,
            programme=agreement.programme,
            supervisor=agreement.supervisor,
            agreement=agreement,
            starts_at=tuesday(1, 14),
        )
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        # The booking emails first, then move the clock past both reminders.
        with time_machine.travel(NOW + datetime.timedelta(seconds=1), tick=True):
            dispatch_due.delay()
            assert wait_until(lambda: len(mail.outbox) == 2)
        with time_machine.travel(session.starts_at - datetime.timedelta(minutes=30), tick=True):
            dispatch_due.delay()
            dispatch_due.delay()  # a second beat, at the same moment
            assert wait_until(lambda: len(mail.outbox) == 6)
            time.sleep(1)
            dispatch_due.delay()
            time.sleep(1.5)
    subjects = Counter(m.subject.split(":")[0] for m in mail.outbox)
    assert subjects == {"Supervision booked": 2, "Reminder": 4}
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(ids) == len(set(ids))
    assert not Notification.objects.filter(state="sending").exists()


def _worker(tmp_path, env_extra=None):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supervision_site.settings.test",
        "DATABASE_URL": _database_url(),
        "TEST_EMAIL_DIR": str(tmp_path),
        "TEST_EMAIL_BACKEND": "tests.slow_file_backend.SlowFileBackend",
        **(env_extra or {}),
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and code
        worker_command("--concurrency=2", "--loglevel=warning"),
        cwd=ROOT,
        env=env,
        stdout=open(tmp_path.parent / "worker.log", "ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _message_ids(folder: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for path in folder.iterdir():
        found.update(re.findall(r"^Message-ID: <(notification-\d+-\d+)@", path.read_text(), re.M))
    return found


@pytest.mark.skipif(
    not django_settings.CELERY_BROKER_URL.startswith("redis://"),
    reason="a SIGKILLed worker leaves kombu's SQLite-file broker (the laptop default) locked; "
    "production and CI use Redis, where this runs",
)
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_what_it_was_sending(
    agreement, tmp_path, settings
):
    app.control.purge()
    # 300 due notifications that are not prompts (quiet hours would hold prompts).
    due_booked_notifications(agreement, 300)
    first = _worker(tmp_path)
    try:
        dispatch_due()
        assert wait_until(lambda: sum(_message_ids(tmp_path).values()) >= 40)
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its children, mid-batch
        first.wait(30)
    before = _message_ids(tmp_path)
    sent_before = sum(before.values())
    assert sent_before < 300, "the worker finished before it could be killed"

    settings.NOTIFICATIONS_LEASE_SECONDS = 1
    second = _worker(tmp_path)
    try:
        time.sleep(1.5)

        def beat() -> bool:
            """Dispatch as the beat does (every 2 s here), which claims again what the
            dead worker had claimed; then, whether everything went."""
            dispatch_due(time_budget=1)
            time.sleep(2)
            return Notification.objects.filter(state="sent").count() == 300

        assert wait_until(beat, timeout=120)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(60)
    counts = _message_ids(tmp_path)
    assert len(counts) == 300  # nothing lost
    # The one window no outbox can close: a process that had written an email
    # and was killed before its transaction committed leaves the row unsent,
    # so it goes again. Only those can repeat: at most one per pool process
    # (--concurrency=2), each once, each written before the kill.
    again = {message_id for message_id, count in counts.items() if count > 1}
    assert len(again) <= 2
    assert all(counts[message_id] == 2 for message_id in again)
    assert again <= set(before)
