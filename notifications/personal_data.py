"""A person's own data held by the outbox, and erasing a leaver's.

The export lists the person's email choices and the notifications addressed
to them: kind, subject, state and times. Never the technical payload or
errors, which are for the service, not about the person.
"""

from typing import Any

from accounts.personal_data import blank_fields

from . import registry
from .models import Notification, NotificationPreference


def _kind_label(name: str) -> str:
    kind = registry.get(name)
    return str(kind.label) if kind is not None else name


def export_for(user) -> dict[str, Any]:
    return {
        "email_choices": [
            {"notification": _kind_label(preference.kind), "emailed": preference.email}
            for preference in NotificationPreference.objects.filter(user=user).order_by("kind")
        ],
        "notifications": [
            {
                "notification": _kind_label(notification.kind),
                "subject": notification.subject,
                "status": notification.get_state_display(),
                "due": notification.due_at,
                "sent": notification.sent_at,
                "emailed": notification.emailed,
            }
            for notification in Notification.objects.filter(recipient=user)
            .only("kind", "subject", "state", "due_at", "sent_at", "emailed")
            .order_by("due_at", "pk")
        ],
    }


def erase_private_text(user) -> dict[str, int]:
    """Cancel what is still to be sent to a leaver; blank what was sent; drop choices.

    The rows stay (kind, state and times), so "sent at most once" still holds
    and the outbox's own history adds up.
    """
    pending = Notification.objects.filter(
        recipient=user, state__in=[Notification.State.PENDING, Notification.State.SENDING]
    ).cancel()
    # Sent, failed and cancelled rows hold no payload already (notifications.sending).
    texts = blank_fields(Notification.objects.filter(recipient=user), "subject", "last_error")
    _, preferences = NotificationPreference.objects.filter(user=user).delete()
    return {
        "notifications_cancelled": pending,
        "notification_text": texts,
        "email_choices": preferences.get(NotificationPreference._meta.label, 0),
    }
