"""Run the outbox in the test process: the same claim and send a worker does."""

from django.utils import timezone

from notifications.sending import deliver
from notifications.tasks import claim_due


def deliver_due(now=None) -> list[str]:
    return [deliver(pk) for pk in claim_due(now or timezone.now(), limit=100_000)]
