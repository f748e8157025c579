"""The dispatcher and the sender. Both are safe to run twice, at once, or again.

dispatch_due claims due rows with SELECT ... FOR UPDATE SKIP LOCKED (so two
beats claim different rows), marks them sending, and queues one send task per
row id. send_notification locks its row, re-checks its state, sends and marks
it sent in the same transaction: a redelivered or duplicate task finds it sent
and does nothing. Rows left "sending" by a worker that died are claimed again
once their lease runs out. Failures are retried by the dispatcher with
exponential backoff (no broker ETAs), then end as failed with the error.
"""

import datetime
import logging
import time

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Notification
from .sending import deliver

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)


def claim_due(now: datetime.datetime, limit: int = BATCH_SIZE) -> list[int]:
    """Mark up to `limit` due rows as sending and return their ids."""
    with transaction.atomic():
        due = (
            Notification.objects.filter(
                Q(state=Notification.State.PENDING, next_attempt_at__lte=now)
                | Q(state=Notification.State.SENDING, claimed_at__lt=now - _lease())
            )
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
        )
        ids = list(due.values_list("pk", flat=True)[:limit])
        if ids:
            Notification.objects.filter(pk__in=ids).update(
                state=Notification.State.SENDING, claimed_at=now
            )
    return ids


@shared_task(name="notifications.tasks.dispatch_due", ignore_result=True)
def dispatch_due(time_budget: float = 45.0) -> int:
    """Hand every due notification to a send task, batch by batch."""
    started = time.monotonic()
    queued = 0
    while time.monotonic() - started < time_budget:
        ids = claim_due(timezone.now())
        for pk in ids:
            send_notification.delay(pk)
        queued += len(ids)
        if len(ids) < BATCH_SIZE:
            break
    if queued:
        logger.info("Queued %s notifications", queued)
    return queued


@shared_task(name="notifications.tasks.send_notification", ignore_result=True)
def send_notification(notification_id: int) -> str:
    """Send one notification if it still needs sending; returns what happened."""
    return deliver(notification_id)
