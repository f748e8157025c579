"""Run the outbox in the test process: the same claim and send (in batches) a worker does."""

import datetime

import time_machine
from django.utils import timezone

from notifications.models import Notification
from notifications.sending import deliver_many
from notifications.services import notification_schedule
from notifications.tasks import SEND_BATCH, claim_due
from supervision.services.sessions import session_book
from tests.scenario import NOW, tuesday


def deliver_due(now=None) -> list[str]:
    ids = claim_due(now or timezone.now(), limit=100_000)
    return [
        outcome
        for n in range(0, len(ids), SEND_BATCH)
        for outcome in deliver_many(ids[n : n + SEND_BATCH]).values()
    ]


def due_booked_notifications(agreement, count: int) -> list[Notification]:
    """An outbox of `count` due "booked" emails about one session and nothing else: not
    prompts, which quiet hours would hold. For the tests that run a real worker on it."""
    with time_machine.travel(NOW, tick=False):
        session = session_book(
            actor=agreement.supervisee,
            programme=agreement.programme,
            supervisor=agreement.supervisor,
            agreement=agreement,
            starts_at=tuesday(1, 14),
        )
    Notification.objects.all().delete()
    due = datetime.datetime(2026, 1, 1, 9, tzinfo=datetime.UTC)
    return [
        notification_schedule(
            recipient=agreement.supervisee,
            kind="session_booked",
            target=session,
            due_at=due + datetime.timedelta(minutes=minute),
            organisation_id=agreement.programme.organisation_id,
        )
        for minute in range(count)
    ]
