"""A Redis that is killed with notifications in it: they go out within a minute.

The broker is a private redis-server started by the test on a free port (no
persistence, as a Redis restarted from nothing), the worker and the dispatcher
are real processes on it, the database is the test database.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from notifications.models import Notification
from supervision_site.celery import worker_command
from tests.notifications.test_worker import _message_ids, wait_until
from tests.outbox import due_booked_notifications
from tests.private_redis import RedisServer, free_port
from tests.test_celery import _database_url

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.path.exists("/usr/bin/redis-server"), reason="needs /usr/bin/redis-server"
    ),
]
ROOT = Path(__file__).resolve().parents[2]

# What `python -c` runs as the beat would: dispatch, every few seconds.
BEAT = """
import time, django
django.setup()
from notifications.tasks import dispatch_due
while True:
    dispatch_due(time_budget=1)
    time.sleep(2)
"""


def _process(env, command: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        command,
        cwd=ROOT,
        env=env,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen, how=signal.SIGTERM) -> None:
    try:
        os.killpg(process.pid, how)
    except ProcessLookupError:
        return
    process.wait(60)


@pytest.fixture
def due_notifications(agreement):
    """120 notifications due now, none of them prompts (quiet hours would hold those)."""
    return len(due_booked_notifications(agreement, 120))


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="several processes write the outbox at once: PostgreSQL, as in production",
)
def test_notifications_a_killed_redis_lost_go_out_within_a_minute(due_notifications, tmp_path):
    assert django_settings.NOTIFICATIONS_LEASE_SECONDS <= 30
    redis = RedisServer()
    env = _env(tmp_path, redis.port)
    log = tmp_path.parent / "broker-loss.log"
    redis.start()
    try:
        # The dispatcher claims every row and queues its task; no worker takes them yet.
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", BEAT.replace("while True", "for _ in range(1)")],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        assert Notification.objects.filter(state="sending").count() == due_notifications
        redis.kill()  # ...and Redis dies (SIGKILL) with every task in it
        redis.start()  # back at once on the same port, empty
        back = time.monotonic()
        worker = _process(env, worker_command("--concurrency=2", "--loglevel=warning"), log)
        beat = _process(env, [sys.executable, "-c", BEAT], log)
        try:
            assert wait_until(
                lambda: Notification.objects.filter(state="sent").count() == due_notifications,
                timeout=90,
            ), "the notifications Redis lost were not sent again"
            recovered = time.monotonic() - back
        finally:
            _stop(beat)
            _stop(worker)
    finally:
        redis.kill()
    # The lease (30 s) and a dispatch: well within the minute, not 600 s.
    assert recovered < 60
    sent: Counter[str] = _message_ids(tmp_path)
    assert len(sent) == due_notifications  # none lost
    assert max(sent.values()) == 1  # none twice


def _env(tmp_path, port: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supervision_site.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "TEST_EMAIL_DIR": str(tmp_path),
    }


def test_rows_a_dead_redis_refuses_are_left_due_not_held_for_a_lease(due_notifications, tmp_path):
    port = free_port()  # nothing listens there: Redis is down
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", BEAT.replace("while True", "for _ in range(1)")],
        cwd=ROOT,
        env=_env(tmp_path, port),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "The broker refused 50 notifications" in done.stderr
    assert Notification.objects.filter(state="pending").count() == due_notifications
    assert not Notification.objects.exclude(claimed_at=None).exists()
