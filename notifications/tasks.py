"""The dispatcher and the sender. Both are safe to run twice, at once, or again.

dispatch_due claims due rows with SELECT ... FOR UPDATE SKIP LOCKED (so two
beats claim different rows), marks them sending, and queues one send task per
SEND_BATCH row ids. send_notifications sends its rows (notifications.sending:
one transaction to begin the batch, one per email, one connection to the mail
server; a redelivered or duplicate task finds them sent and does nothing),
then claims as many due rows as it finished, if there are any: the pipeline
stays full without the dispatcher waiting on it.

Few rows are in the broker at once (IN_FLIGHT, claimed in batches of
BATCH_SIZE), so each is started long before its short lease
(NOTIFICATIONS_LEASE_SECONDS, 30 s) runs out. A row the broker lost (Redis
restarted empty) or a worker died holding is claimed again by the first
dispatch after its lease: within a minute with the beat's 30 seconds, not
minutes. Rows the broker refuses to take are put back at once. Failures are
retried by the dispatcher with exponential backoff (no broker ETAs), then end
as failed with the error.
"""

import datetime
import logging
import time
from collections import Counter

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Notification
from .sending import deliver_many, lease

logger = logging.getLogger(__name__)

# Rows claimed at a time, and at most in the broker (queued or being sent) at
# once: enough to keep a worker busy, few enough that the last is started in
# seconds (a worker sends over 30 a second even on a loaded machine), well
# inside the lease.
BATCH_SIZE = 50
IN_FLIGHT = 200
# Rows per send task: one task's overhead (the broker, the pool, a transaction to
# begin, a connection to the mail server) shared by this many emails, while the
# in-flight rows still make enough tasks for every worker process.
SEND_BATCH = 20


def claim_due(now: datetime.datetime, limit: int = BATCH_SIZE) -> list[int]:
    """Mark up to `limit` due rows as sending and return their ids."""
    with transaction.atomic():
        due = (
            Notification.objects.filter(
                Q(state=Notification.State.PENDING, next_attempt_at__lte=now)
                | Q(state=Notification.State.SENDING, claimed_at__lt=now - lease())
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


def in_flight(now: datetime.datetime) -> int:
    """Rows claimed whose lease still runs: in the broker, or being sent."""
    return Notification.objects.filter(
        state=Notification.State.SENDING, claimed_at__gte=now - lease()
    ).count()


def release(ids: list[int]) -> int:
    """Put claimed rows back as due (the broker would not take their tasks)."""
    return Notification.objects.filter(
        pk__in=ids, state=Notification.State.SENDING, attempt_started_at=None
    ).update(state=Notification.State.PENDING, claimed_at=None)


def _queue(ids: list[int]) -> int:
    """Queue a send task per SEND_BATCH rows; what the broker refuses is released at once."""
    for n in range(0, len(ids), SEND_BATCH):
        try:
            send_notifications.delay(ids[n : n + SEND_BATCH])
        except Exception:  # the broker is down: the next dispatch tries again
            logger.warning(
                "The broker refused %s notifications; left due for the next dispatch",
                len(ids) - n,
                exc_info=True,
            )
            release(ids[n:])
            return n
    return len(ids)


def top_up(now: datetime.datetime, limit: int = BATCH_SIZE) -> tuple[int, bool]:
    """Claim and queue up to `limit` due rows, keeping at most IN_FLIGHT in the broker.

    Returns how many were queued, and whether more may be waiting."""
    room = min(limit, IN_FLIGHT - in_flight(now))
    if room <= 0:
        return 0, False
    ids = claim_due(now, room)
    queued = _queue(ids)
    return queued, queued == room


@shared_task(name="notifications.tasks.dispatch_due", ignore_result=True)
def dispatch_due(time_budget: float = 45.0) -> int:
    """Hand due notifications to send tasks, batch by batch, up to IN_FLIGHT at once
    (the send tasks claim the rest as they finish)."""
    started = time.monotonic()
    queued = 0
    more = True
    while more and time.monotonic() - started < time_budget:
        count, more = top_up(timezone.now())
        queued += count
    if queued:
        logger.info("Queued %s notifications", queued)
    return queued


# What deliver_many() says of a row when this task ended its time in flight: its
# slot is free for the next due row without counting what is in flight.
SLOT_FREED = frozenset(
    {"sent", "failed", "retry", "no longer needed", "waiting for the morning", "put back"}
)


def send_and_refill(ids: list[int]) -> dict[str, int]:
    """Send these rows, then claim as many due rows as they freed (one out, one in:
    IN_FLIGHT still holds); returns how many ended how."""
    outcomes = Counter(deliver_many(ids).values())
    freed = sum(count for outcome, count in outcomes.items() if outcome in SLOT_FREED)
    now = timezone.now()
    if freed:
        _queue(claim_due(now, freed))
    if freed < outcomes.total():
        top_up(now, limit=outcomes.total() - freed)  # another task's rows, or gone: count first
    return dict(outcomes)


@shared_task(name="notifications.tasks.send_notifications", ignore_result=True)
def send_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Send a batch of notifications, those that still need sending, then claim the
    next due ones; returns how many ended how."""
    return send_and_refill(notification_ids)


@shared_task(name="notifications.tasks.send_notification", ignore_result=True)
def send_notification(notification_id: int) -> dict[str, int]:
    """One notification: what the dispatcher queued before batches (tasks still in a
    broker when a deployment is upgraded)."""
    return send_and_refill([notification_id])
