"""Sending one notification: under its row lock, exactly once."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import registry
from .models import Notification, NotificationPreference
from .quiet_hours import outside_quiet_hours

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8 ... minutes after each failed attempt."""
    return datetime.timedelta(minutes=2 ** (attempts - 1))


def wants_email(notification: Notification, kind: registry.Kind) -> bool:
    if not kind.optional:
        return True
    choice = (
        NotificationPreference.objects.filter(user_id=notification.recipient_id, kind=kind.name)
        .values_list("email", flat=True)
        .first()
    )
    return True if choice is None else choice


def _email(notification: Notification, message: registry.Message) -> EmailMultiAlternatives:
    context = {
        **message.context,
        "recipient": notification.recipient,
        "organisation_name": message.organisation_name,
        "link": settings.SITE_URL + message.url,
        "preferences_link": settings.SITE_URL + reverse("notifications:preferences"),
    }
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=render_to_string(f"notifications/emails/{message.template}.txt", context),
        to=[notification.recipient.email],
        # One Message-ID per notification, so a mail system that sees it twice
        # (the narrow window between the SMTP send and our commit) can tell.
        headers={"Message-ID": f"<notification-{notification.pk}@{host}>"},
    )
    email.attach_alternative(
        render_to_string(f"notifications/emails/{message.template}.html", context), "text/html"
    )
    for name, content, mimetype in message.attachments:
        email.attach(name, content, mimetype)
    return email


def _close(notification: Notification, state: str, *fields: str) -> None:
    """End the row in `state` (sent, cancelled or failed), saving `fields` with it.

    Its payload goes: delivery no longer needs it, and it may hold a person's
    words (why a session was moved). A sent row keeps its subject and link.
    """
    notification.state = state
    notification.payload = {}
    notification.save(update_fields=["state", "payload", *fields])


def _failed(notification: Notification, error: Exception, now) -> str:
    notification.attempts += 1
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts >= MAX_ATTEMPTS:
        logger.error("Notification %s failed for good: %s", notification.pk, error)
        _close(notification, Notification.State.FAILED, "attempts", "last_error")
        return "failed"
    notification.state = Notification.State.PENDING
    notification.next_attempt_at = now + backoff(notification.attempts)
    notification.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
    return "retry"


@transaction.atomic
def deliver(notification_id: int) -> str:
    notification = (
        Notification.objects.select_for_update()
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.state not in (
        Notification.State.PENDING,
        Notification.State.SENDING,
    ):
        return "nothing to do"
    now = timezone.now()
    kind = registry.get(notification.kind)
    try:
        if kind is None:
            raise LookupError(f"No kind {notification.kind!r} is registered")
        message = kind.render(notification)
    except Exception as error:  # a bug or a missing object: retried, then failed
        return _failed(notification, error, now)
    if message is None or not notification.recipient.is_active:
        _close(notification, Notification.State.CANCELLED)
        return "no longer needed"
    if kind.prompt:
        zone = message.context.get("time_zone", settings.TIME_ZONE)
        morning = outside_quiet_hours(now, zone)
        if morning != now:
            notification.state = Notification.State.PENDING
            notification.next_attempt_at = morning
            notification.save(update_fields=["state", "next_attempt_at"])
            return "waiting for the morning"
    emailed = wants_email(notification, kind)
    if emailed:
        try:
            _email(notification, message).send()
        except Exception as error:
            return _failed(notification, error, now)
    notification.sent_at = now
    notification.emailed = emailed
    notification.subject = message.subject[:255]
    notification.url = message.url
    _close(notification, Notification.State.SENT, "sent_at", "emailed", "subject", "url")
    return "sent"
