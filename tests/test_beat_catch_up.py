"""Beat owes a run it could not publish (issue 17): a daily scan whose time passes while
Redis is down goes out once Redis is back, not a day later.

A real beat scheduler against a private Redis that is killed and started again; the
published message is read back from Redis's own queue.
"""

import datetime

import pytest
import redis as redis_client
from celery import Celery
from celery.schedules import crontab

from supervision_site.beat import CatchUpScheduler
from supervision_site.settings import base
from tests.private_redis import RedisServer

TASK = "supervision.tasks.schedule_allowance_nudges"


@pytest.fixture
def server():
    server = RedisServer()
    server.start()
    yield server
    server.kill()


def _scheduler(app: Celery, tmp_path) -> CatchUpScheduler:
    app.conf.beat_schedule = {"nudges": {"task": TASK, "schedule": crontab(hour=6, minute=5)}}
    scheduler = CatchUpScheduler(app=app, schedule_filename=str(tmp_path / "beat"), lazy=False)
    scheduler.retry_seconds = 0.0
    # Last ran the morning before yesterday: yesterday's 06:05 run is owed, whatever the
    # time now (from "yesterday", today's 06:05 is not due yet before 06:05).
    before_yesterday = app.now() - datetime.timedelta(days=2)
    scheduler.schedule["nudges"].last_run_at = before_yesterday.replace(hour=6, minute=5)
    scheduler._heap = None  # type: ignore[assignment]
    return scheduler


def _worker_declares_its_queue(app: Celery) -> None:
    """What a worker does on reconnecting: a restarted Redis (no persistence) has lost
    the queue's binding, and a message published before a worker declares it again goes
    nowhere."""
    with app.connection_for_write() as connection:
        app.amqp.queues[app.conf.task_default_queue].bind(connection.default_channel).declare()


def _queued(url: str) -> list:
    return redis_client.Redis.from_url(url).lrange("celery", 0, -1)


def test_a_run_beat_could_not_publish_goes_out_when_redis_is_back(server, tmp_path):
    app = Celery("beat-test", broker=server.url, set_as_current=False)
    app.conf.broker_transport_options = base.REDIS_BROKER_OPTIONS
    app.conf.broker_connection_timeout = 1
    app.conf.broker_connection_retry = False
    app.conf.broker_connection_max_retries = 0
    scheduler = _scheduler(app, tmp_path)
    owed_since = scheduler.schedule["nudges"].last_run_at

    assert scheduler.producer  # beat connected while Redis was up
    server.kill()
    scheduler.tick()
    # Not published, and still owed: the last run is the one before, not now.
    assert scheduler.schedule["nudges"].last_run_at == owed_since
    assert scheduler.schedule["nudges"].is_due()[0]

    server.start()
    _worker_declares_its_queue(app)
    assert _queued(server.url) == []
    scheduler.tick()
    queued = _queued(server.url)
    assert len(queued) == 1
    assert TASK.encode() in queued[0]
    # Done now: no longer due until tomorrow's 06:05.
    assert not scheduler.schedule["nudges"].is_due()[0]
    scheduler.tick()
    assert len(_queued(server.url)) == 1
    scheduler.close()


def test_celerys_own_scheduler_would_have_skipped_it(server, tmp_path):
    """What the test above guards against: the stock scheduler marks the run done."""
    from celery.beat import PersistentScheduler

    app = Celery("beat-test-stock", broker=server.url, set_as_current=False)
    app.conf.broker_transport_options = base.REDIS_BROKER_OPTIONS
    app.conf.broker_connection_retry = False
    app.conf.broker_connection_max_retries = 0
    app.conf.beat_schedule = {"nudges": {"task": TASK, "schedule": crontab(hour=6, minute=5)}}
    stock = PersistentScheduler(app=app, schedule_filename=str(tmp_path / "stock"), lazy=False)
    before_yesterday = app.now() - datetime.timedelta(days=2)  # yesterday's run is owed
    stock.schedule["nudges"].last_run_at = before_yesterday.replace(hour=6, minute=5)
    stock._heap = None  # type: ignore[attr-defined]

    assert stock.producer
    server.kill()
    stock.tick()
    assert not stock.schedule["nudges"].is_due()[0]
    stock.close()


def test_the_app_uses_the_catch_up_scheduler():
    from supervision_site.celery import app

    assert app.conf.beat_scheduler == "supervision_site.beat:CatchUpScheduler"
