"""The demo's own notifications go out at once, to nobody's inbox.

Building the demo books sessions, fills groups, asks this month's wellbeing
check-ins of everyone and so on, and each leaves a notification due at once.
Sent by the worker, they would be the first fifty-odd emails of a newcomer's
first `make run`, burying the one they came to see (the booking they just
made). So the demo delivers them itself, through the outbox's own sending code
(each row is rendered and marked sent, and shows in people's in-app list), with
an email backend that throws the emails away. Notifications due later (reminders
before upcoming sessions) stay in the outbox and go out when they are due.
"""

from django.test import override_settings
from django.utils import timezone

from notifications.sending import deliver
from notifications.tasks import claim_due

DISCARD_EMAIL = "django.core.mail.backends.dummy.EmailBackend"


def deliver_without_email() -> int:
    """Deliver every notification due now, discarding its email; returns how many."""
    delivered = 0
    with override_settings(EMAIL_BACKEND=DISCARD_EMAIL):
        # A prompt due in quiet hours is put back until the morning: not due now,
        # so it is not claimed again and the loop ends.
        while ids := claim_due(timezone.now()):
            for pk in ids:
                deliver(pk)
            delivered += len(ids)
    return delivered
