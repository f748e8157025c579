"""Who may see which notifications. Views fetch through here.

A notification and an email choice are their recipient's own; programme admins
also see the notifications of their organisations that could not be sent.
"""

from django.db.models import QuerySet

from kernel.models import Role
from kernel.permissions import organisations_where

from .models import Notification, NotificationPreference


def notifications_sent_to(user) -> QuerySet[Notification]:
    """The notifications sent to the user; nobody else's."""
    return Notification.objects.filter(recipient=user, state=Notification.State.SENT)


def preferences_of(user) -> QuerySet[NotificationPreference]:
    """The user's own email choices."""
    return NotificationPreference.objects.filter(user=user)


def failed_notifications_for_admin(user) -> QuerySet[Notification]:
    """Notifications that could not be sent, of the organisations the user administers."""
    return Notification.objects.filter(
        state=Notification.State.FAILED,
        organisation_id__in=organisations_where(user, Role.PROGRAMME_ADMIN),
    )
