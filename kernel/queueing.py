"""Queueing Celery tasks once a transaction commits, so that a lost broker never fails
an action that has already happened.

Every service that hands work to a worker after its commit calls
`enqueue_after_commit`. The commit stands whatever the broker does: when the
task cannot be published (Redis down or restarting) the failure is logged, as a
warning naming the task, and the request goes on to answer normally. Then:

- a task that something periodic redoes anyway (the outbox's dispatch, which
  beat runs every 30 seconds) is simply left to it: `redone_by_beat=True`;
- any other task (an invitation email) is written to the database as an
  UnpublishedTask, and `kernel.tasks.publish_unpublished`, run by beat every
  minute, publishes it once the broker answers. Tasks are written to be safe
  to run twice, so a publish that reached the broker but reported an error
  costs at most a repeated, harmless run.

Publishing tries once and gives up: a dead broker costs a request
milliseconds, a hung one (accepting but not answering) the 2-second socket
timeout in settings (REDIS_BROKER_OPTIONS).
"""

import logging
from collections.abc import Sequence
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

from .models import UnpublishedTask

logger = logging.getLogger(__name__)

# One attempt, no retry (redis-py itself replaces a pooled connection left dead
# by a Redis restart). Not retry=False: kombu would then fall back to its own
# reconnection loop, which spends seconds on a dead broker.
RETRY_POLICY = {"max_retries": 0, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# What publishing raises when the broker is unreachable: kombu turns the
# transport's connection errors into OperationalError; OSError for the rest.
BROKER_ERRORS = (OperationalError, OSError)


def enqueue_after_commit(task: Any, *args: Any, redone_by_beat: bool = False) -> None:
    """Queue `task(*args)` after the current transaction commits; never raises for the broker.

    `args` must be JSON (ids, not objects). `redone_by_beat`: a periodic task
    does this work anyway, so a failed publish is only logged, not kept.
    """
    name = task.name
    transaction.on_commit(lambda: publish(name, args, keep=not redone_by_beat))


def publish(task_name: str, args: Sequence[Any], *, keep: bool) -> bool:
    """Publish one task now; on a broker failure log it and, if `keep`, save it for later."""
    try:
        _send(task_name, args)
    except BROKER_ERRORS as error:
        logger.warning(
            "Could not queue %s: the broker is unavailable (%s); %s",
            task_name,
            error,
            "saved to publish again" if keep else "left to the periodic dispatch",
        )
        if keep:
            UnpublishedTask.objects.create(
                task_name=task_name, args=list(args), last_error=str(error)[:1000]
            )
        return False
    return True


def publish_unpublished(limit: int = 200) -> int:
    """Publish the saved tasks, oldest first, until the broker fails again; returns how many.

    Rows are locked while they are published (SKIP LOCKED), so two workers
    running this at once publish each task once.
    """
    published = 0
    with transaction.atomic():
        rows = list(UnpublishedTask.objects.select_for_update(skip_locked=True)[:limit])
        for row in rows:
            try:
                _send(row.task_name, row.args)
            except BROKER_ERRORS as error:
                UnpublishedTask.objects.filter(pk=row.pk).update(
                    attempts=row.attempts + 1, last_error=str(error)[:1000]
                )
                logger.warning(
                    "Could not queue %s again (%s); %s tasks wait",
                    row.task_name,
                    error,
                    len(rows) - published,
                )
                break
            row.delete()
            published += 1
    if published:
        logger.info("Queued %s tasks saved while the broker was unavailable", published)
    return published


def _send(task_name: str, args: Sequence[Any]) -> None:
    current_app.send_task(task_name, args=list(args), retry=True, retry_policy=RETRY_POLICY)
