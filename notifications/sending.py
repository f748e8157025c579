"""Sending one notification, and exactly what is promised about sending it once.

A send is two short transactions. The first locks the row, decides (is it
still needed, quiet hours, the person's choice), opens the connection to the
mail server and commits the attempt (`attempt_started_at`). The second marks
the row sent if it is still that attempt's (the UPDATE locks it), hands the
email to the mail server and commits; a refusal rolls it back and is recorded
as a failed attempt. So:

- Two tasks for one row (a redelivered task, a dispatcher that claimed it
  again) never both send it: the second waits for the row lock and finds it
  sent, or finds an attempt under way and leaves it.
- A worker that dies before the mail server accepted the email: nothing went,
  and the row is sent after its lease runs out.
- The one window no outbox can close without the mail server's help: a
  worker killed after the mail server accepted the email and before the
  second transaction committed (milliseconds). The row then shows an attempt
  that was never confirmed; it is sent again after the lease (a lost
  reminder is worse than a repeated one), logged as such, with the same
  Message-ID, so mail systems that de-duplicate by Message-ID show it once.
  At most one repeat per worker killed in that instant.

The Message-ID (and `idempotency_key`, for an email API that takes one) is
the same on every attempt of one notification, and new when a cancelled one
is scheduled again (its version).
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
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


def _host() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"


def idempotency_key(notification: Notification) -> str:
    """The same for every attempt to send this notification; new for a new version."""
    return f"notification-{notification.pk}-{notification.version}"


def _email(notification: Notification, message: registry.Message) -> EmailMultiAlternatives:
    context = {
        **message.context,
        "recipient": notification.recipient,
        "organisation_name": message.organisation_name,
        "link": settings.SITE_URL + message.url,
        "preferences_link": settings.SITE_URL + reverse("notifications:preferences"),
    }
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=render_to_string(f"notifications/emails/{message.template}.txt", context),
        to=[notification.recipient.email],
        # One Message-ID per notification, the same on every attempt, so a mail
        # system that sees it twice (the window described above) can tell.
        headers={"Message-ID": f"<{idempotency_key(notification)}@{_host()}>"},
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
    notification.attempt_started_at = None  # its outcome is known
    notification.save(update_fields=["state", "payload", "attempt_started_at", *fields])


def _failed(notification: Notification, error: Exception, now) -> str:
    notification.attempts += 1
    notification.attempt_started_at = None
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts >= MAX_ATTEMPTS:
        logger.error("Notification %s failed for good: %s", notification.pk, error)
        _close(notification, Notification.State.FAILED, "attempts", "last_error")
        return "failed"
    notification.state = Notification.State.PENDING
    notification.next_attempt_at = now + backoff(notification.attempts)
    notification.save(
        update_fields=["attempts", "last_error", "state", "next_attempt_at", "attempt_started_at"]
    )
    return "retry"


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)


@dataclass
class _Attempt:
    """An attempt committed and about to be handed to the mail server."""

    started_at: datetime.datetime
    message: registry.Message
    email: EmailMultiAlternatives | None  # None: the person sees it in the app only
    connection: BaseEmailBackend | None


def _locked(notification_id: int) -> Notification | None:
    return (
        Notification.objects.select_for_update()
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )


@transaction.atomic
def _begin(notification_id: int, now: datetime.datetime, in_app_only: bool) -> _Attempt | str:
    """Decide whether the notification goes now; if it does, commit the attempt."""
    notification = _locked(notification_id)
    if notification is None or notification.state not in (
        Notification.State.PENDING,
        Notification.State.SENDING,
    ):
        return "nothing to do"
    if notification.attempt_started_at is not None:
        if notification.attempt_started_at > now - lease():
            return "being sent"  # by another task, this instant
        logger.warning(
            "Notification %s: the attempt started at %s was never confirmed (its worker "
            "was lost); sending it again with the same Message-ID",
            notification.pk,
            notification.attempt_started_at.isoformat(),
        )
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
    if kind.prompt and not in_app_only:  # quiet hours hold emails, not the in-app list
        zone = message.context.get("time_zone", settings.TIME_ZONE)
        morning = outside_quiet_hours(now, zone)
        if morning != now:
            notification.state = Notification.State.PENDING
            notification.next_attempt_at = morning
            notification.attempt_started_at = None
            notification.save(update_fields=["state", "next_attempt_at", "attempt_started_at"])
            return "waiting for the morning"
    email = connection = None
    if not in_app_only and wants_email(notification, kind):
        try:
            # Connected (and signed in) before the attempt is recorded, so a mail
            # server that cannot be reached never leaves an attempt in doubt.
            connection = get_connection()
            connection.open()
            email = _email(notification, message)
            email.connection = connection
        except Exception as error:
            return _failed(notification, error, now)
    notification.state = Notification.State.SENDING
    notification.attempt_started_at = notification.claimed_at = now
    notification.save(update_fields=["state", "attempt_started_at", "claimed_at"])
    return _Attempt(now, message, email, connection)


class _Refused(Exception):
    """The mail server refused the email: the hand-over is rolled back."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


@transaction.atomic
def _send_and_mark_sent(notification_id: int, attempt: _Attempt) -> bool:
    """Mark the row sent if it is still this attempt's, hand the email over, commit.

    The UPDATE takes the row lock first and holds it while the email goes, so a
    cancellation waits for the outcome; a refusal rolls the whole of it back.
    One statement where a locking SELECT and a save were two.
    """
    sent = Notification.objects.filter(
        pk=notification_id,
        state=Notification.State.SENDING,
        attempt_started_at=attempt.started_at,
    ).update(
        state=Notification.State.SENT,
        payload={},  # delivery no longer needs it: see _close
        attempt_started_at=None,
        sent_at=attempt.started_at,
        emailed=attempt.email is not None,
        subject=attempt.message.subject[:255],
        url=attempt.message.url,
    )
    if not sent:
        return False  # cancelled in the instant since the attempt began
    if attempt.email is not None:
        try:
            attempt.email.send()
        except Exception as error:
            raise _Refused(error) from error
    return True


@transaction.atomic
def _record_refusal(notification_id: int, attempt: _Attempt, error: Exception) -> str:
    notification = _locked(notification_id)
    if (
        notification is None
        or notification.state != Notification.State.SENDING
        or notification.attempt_started_at != attempt.started_at
    ):
        return "nothing to do"  # cancelled since: nothing is owed
    return _failed(notification, error, attempt.started_at)


def _hand_over(notification_id: int, attempt: _Attempt) -> str:
    """Hand the email to the mail server and record that it went, under the row lock;
    if the server refuses it, record the failed attempt (retried with backoff)."""
    try:
        sent = _send_and_mark_sent(notification_id, attempt)
    except _Refused as refused:
        return _record_refusal(notification_id, attempt, refused.error)
    return "sent" if sent else "nothing to do"


def deliver(notification_id: int, *, in_app_only: bool = False) -> str:
    """Send one notification if it still needs sending; returns what happened.

    `in_app_only`: put it in the person's in-app list without emailing it (the demo's
    own notifications, nonprod/outbox.py); quiet hours, which hold emails, then
    do not apply.
    """
    attempt = _begin(notification_id, timezone.now(), in_app_only)
    if isinstance(attempt, str):
        return attempt
    try:
        return _hand_over(notification_id, attempt)
    finally:
        if attempt.connection is not None:
            attempt.connection.close()
