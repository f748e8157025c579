"""What the outbox tells operators: counts and the age of the oldest unsent row.

Site-wide numbers for /readyz and /metrics (supervision_site): no row, no
recipient, no organisation leaves this module.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Q

from .models import Notification

UNSENT = (Notification.State.PENDING, Notification.State.SENDING)


@dataclass(frozen=True)
class OutboxFigures:
    due: int  # due now, waiting for the dispatcher
    sending: int  # claimed by the dispatcher, not yet sent
    sent: int
    failed: int  # failed for good, after every retry
    oldest_unsent_age_seconds: float  # 0 when nothing due is unsent


def _due_and_unsent(now: datetime.datetime) -> Q:
    # next_attempt_at, not due_at: quiet hours and a failure's backoff move a
    # row's next try on, on purpose; what is late is a row past its next try.
    return Q(state__in=UNSENT, next_attempt_at__lte=now)


def _age(oldest: datetime.datetime | None, now: datetime.datetime) -> float:
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def oldest_unsent_age_seconds(now: datetime.datetime) -> float:
    """Seconds the longest-waiting due notification has waited (one indexed query)."""
    oldest = Notification.objects.filter(_due_and_unsent(now)).aggregate(
        oldest=Min("next_attempt_at")
    )["oldest"]
    return _age(oldest, now)


def outbox_figures(now: datetime.datetime) -> OutboxFigures:
    """Every figure in one query."""
    figures = Notification.objects.aggregate(
        due=Count("pk", filter=Q(state=Notification.State.PENDING, next_attempt_at__lte=now)),
        sending=Count("pk", filter=Q(state=Notification.State.SENDING)),
        sent=Count("pk", filter=Q(state=Notification.State.SENT)),
        failed=Count("pk", filter=Q(state=Notification.State.FAILED)),
        oldest=Min("next_attempt_at", filter=_due_and_unsent(now)),
    )
    return OutboxFigures(
        due=figures["due"],
        sending=figures["sending"],
        sent=figures["sent"],
        failed=figures["failed"],
        oldest_unsent_age_seconds=_age(figures["oldest"], now),
    )
