"""The demo's own notifications go out at once, to nobody's inbox.

Building the demo books sessions, fills groups, asks this month's wellbeing
check-ins of everyone and so on, and each leaves a notification due at once.
Sent by the worker, they would be the first fifty-odd emails of a newcomer's
first `make run`, burying the one they came to see (the booking they just
made). So the demo delivers them itself, through the outbox's own sending code
(each row is rendered and marked sent, and shows in people's in-app list),
without emailing them. Notifications due later (reminders
before upcoming sessions) stay in the outbox and go out when they are due.

Quiet hours do not apply: they hold emails to keep a real person's phone quiet
at night, and a demo loaded at 22:00 would otherwise keep this month's
wellbeing prompts for the morning and email them all at the first dispatch
after 08:00.
"""

from django.utils import timezone

from notifications.sending import deliver
from notifications.tasks import claim_due


def deliver_without_email() -> int:
    """Deliver every notification due now to the in-app list only; returns how many."""
    delivered = 0
    # A row that fails is retried later (not due now): the loop ends.
    while ids := claim_due(timezone.now()):
        for pk in ids:
            deliver(pk, in_app_only=True)
        delivered += len(ids)
    return delivered
