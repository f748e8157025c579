"""Sending notifications, a batch at a time, and exactly what is promised about each.

A batch is the rows one send task was given (notifications.tasks). It is sent
in one short transaction to begin, then one short transaction per email:

1. Begin, for the whole batch: lock its rows (those another transaction holds
   are begun on their own afterwards, waiting for their lock), decide for each
   (is it still needed, quiet hours, the person's choice), write its email,
   open the batch's one connection to the mail server, and commit the
   attempts (`attempt_started_at`) in one UPDATE.
2. Hand over, row by row: mark the row sent if it is still that attempt's
   (the UPDATE locks it), hand the email to the mail server on the batch's
   connection and commit; a refusal rolls that row back and is recorded as a
   failed attempt, and the rest of the batch goes on. Rows not handed over
   within half the lease (a slow mail server) are put back as due.

So:

- Two tasks for one row (a redelivered task, a dispatcher that claimed it
  again) never both send it: the second waits for the row lock and finds it
  sent, or finds an attempt under way and leaves it.
- A worker that dies before the mail server accepted an email: that email did
  not go, and its row is sent after its lease runs out (with the rest of its
  batch not yet handed over: they show an attempt, and did not go either).
- The one window no outbox can close without the mail server's help: a
  worker killed after the mail server accepted an email and before that
  email's transaction committed (milliseconds). The row then shows an attempt
  that was never confirmed; it is sent again after the lease (a lost reminder
  is worse than a repeated one), logged as such, with the same Message-ID, so
  mail systems that de-duplicate by Message-ID show it once. At most one
  repeat per worker killed in that instant: each email commits on its own.
- A batch whose beginning fails as a whole (a database error while writing
  one row's email) is begun again row by row: one bad row fails alone.

The Message-ID (and `idempotency_key`, for an email API that takes one) is
the same on every attempt of one notification, and new when a cancelled one
is scheduled again (its version).
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from time import monotonic

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
State = Notification.State


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8 ... minutes after each failed attempt."""
    return datetime.timedelta(minutes=2 ** (attempts - 1))


def email_choices(notifications: Iterable[Notification]) -> dict[tuple[int, str], bool]:
    """The choices the recipients made for these notifications' optional kinds
    ({(user id, kind): emailed or not}), in one query."""
    asked = set()
    for notification in notifications:
        kind = registry.get(notification.kind)
        if kind is not None and kind.optional:
            asked.add((notification.recipient_id, kind.name))
    if not asked:
        return {}
    rows = NotificationPreference.objects.filter(
        user_id__in={user for user, _kind in asked}, kind__in={kind for _user, kind in asked}
    ).values_list("user_id", "kind", "email")
    return {(user, kind): email for user, kind, email in rows}


def wants_email(
    notification: Notification, kind: registry.Kind, choices: dict[tuple[int, str], bool]
) -> bool:
    """Session reminders and changes are always emailed; other kinds unless the
    person chose not to (`choices`: email_choices)."""
    if not kind.optional:
        return True
    return choices.get((notification.recipient_id, kind.name), True)


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
        _close(notification, State.FAILED, "attempts", "last_error")
        return "failed"
    notification.state = State.PENDING
    notification.next_attempt_at = now + backoff(notification.attempts)
    notification.save(
        update_fields=["attempts", "last_error", "state", "next_attempt_at", "attempt_started_at"]
    )
    return "retry"


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)


class _Connection:
    """A batch's one connection to the mail server, opened (and signed in) when its
    first email is written, before any attempt is recorded: a mail server that
    cannot be reached never leaves an attempt in doubt."""

    def __init__(self) -> None:
        self.backend: BaseEmailBackend | None = None
        self.error: Exception | None = None

    def open(self) -> BaseEmailBackend:
        if self.error is not None:
            raise self.error  # tried once for the batch
        if self.backend is None:
            try:
                backend = get_connection()
                backend.open()
            except Exception as error:
                self.error = error
                raise
            self.backend = backend
        return self.backend

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()


@dataclass
class _Attempt:
    """An attempt about to be committed, then handed to the mail server."""

    notification_id: int
    started_at: datetime.datetime
    message: registry.Message
    email: EmailMultiAlternatives | None  # None: the person sees it in the app only


def _locked(ids: list[int], *, skip_locked: bool = False) -> list[Notification]:
    """The rows, locked (only theirs: not their recipients'), in id order so that two
    transactions locking several never wait for each other in a circle."""
    return list(
        Notification.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("recipient")
        .filter(pk__in=ids)
        .order_by("pk")
    )


def _not_owed(notification: Notification, now: datetime.datetime) -> str | None:
    """Why this locked row is not for this task to send now, if it is not."""
    if notification.state not in (State.PENDING, State.SENDING):
        return "nothing to do"
    started = notification.attempt_started_at
    if started is not None and started > now - lease():
        return "being sent"  # by another task, this instant
    return None


def _decide(
    notification: Notification,
    now: datetime.datetime,
    in_app_only: bool,
    choices: dict[tuple[int, str], bool],
    connection: _Connection,
) -> _Attempt | str:
    """Whether the locked row goes now: an attempt to record, or what happened instead."""
    if not_owed := _not_owed(notification, now):
        return not_owed
    if notification.attempt_started_at is not None:
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
        _close(notification, State.CANCELLED)
        return "no longer needed"
    if kind.prompt and not in_app_only:  # quiet hours hold emails, not the in-app list
        zone = message.context.get("time_zone", settings.TIME_ZONE)
        morning = outside_quiet_hours(now, zone)
        if morning != now:
            notification.state = State.PENDING
            notification.next_attempt_at = morning
            notification.attempt_started_at = None
            notification.save(update_fields=["state", "next_attempt_at", "attempt_started_at"])
            return "waiting for the morning"
    email = None
    if not in_app_only and wants_email(notification, kind, choices):
        try:
            backend = connection.open()
            email = _email(notification, message)
            email.connection = backend
        except Exception as error:
            return _failed(notification, error, now)
    return _Attempt(notification.pk, now, message, email)


@transaction.atomic
def _begin(
    ids: list[int],
    now: datetime.datetime,
    in_app_only: bool,
    connection: _Connection,
    *,
    skip_locked: bool,
) -> tuple[list[_Attempt], dict[int, str]]:
    """Decide for each row, and commit the attempts of those that go now in one UPDATE.

    Returns the attempts, and what happened to the other rows; with `skip_locked`,
    those another transaction holds (or that are gone) are "locked", to be begun
    on their own."""
    rows = _locked(ids, skip_locked=skip_locked)
    registry.preload([row for row in rows if row.state in (State.PENDING, State.SENDING)])
    choices = email_choices(rows)
    attempts: list[_Attempt] = []
    outcomes = dict.fromkeys(ids, "locked" if skip_locked else "nothing to do")
    for notification in rows:
        decided = _decide(notification, now, in_app_only, choices, connection)
        if isinstance(decided, _Attempt):
            attempts.append(decided)
            del outcomes[notification.pk]
        else:
            outcomes[notification.pk] = decided
    if attempts:
        Notification.objects.filter(pk__in=[a.notification_id for a in attempts]).update(
            state=State.SENDING, attempt_started_at=now, claimed_at=now
        )
    return attempts, outcomes


class _Refused(Exception):
    """The mail server refused the email: the hand-over is rolled back."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


@transaction.atomic
def _send_and_mark_sent(attempt: _Attempt) -> bool:
    """Mark the row sent if it is still this attempt's, hand the email over, commit.

    The UPDATE takes the row lock first and holds it while the email goes, so a
    cancellation waits for the outcome; a refusal rolls the whole of it back.
    One statement where a locking SELECT and a save were two.
    """
    sent = Notification.objects.filter(
        pk=attempt.notification_id,
        state=State.SENDING,
        attempt_started_at=attempt.started_at,
    ).update(
        state=State.SENT,
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
def _record_failed_beginning(notification_id: int, error: Exception, now) -> str:
    """A row whose beginning failed in the database (a bug in its kind): a failed
    attempt, recorded in a transaction of its own, so it ends as failed in time."""
    found = _locked([notification_id])
    if not found:
        return "nothing to do"
    return _not_owed(found[0], now) or _failed(found[0], error, now)


@transaction.atomic
def _record_refusal(attempt: _Attempt, error: Exception) -> str:
    found = _locked([attempt.notification_id])
    if (
        not found
        or found[0].state != State.SENDING
        or found[0].attempt_started_at != attempt.started_at
    ):
        return "nothing to do"  # cancelled since: nothing is owed
    return _failed(found[0], error, attempt.started_at)


def _hand_over(attempt: _Attempt, connection: _Connection) -> str:
    """Hand the email to the mail server and record that it went, under the row lock;
    if the server refuses it, record the failed attempt (retried with backoff)."""
    try:
        sent = _send_and_mark_sent(attempt)
    except _Refused as refused:
        # The connection may be broken: the next email opens its own.
        connection.close()
        return _record_refusal(attempt, refused.error)
    return "sent" if sent else "nothing to do"


def _put_back(attempts: list[_Attempt]) -> int:
    """Rows whose attempt was recorded but never handed over: due again, nothing in doubt."""
    if not attempts:
        return 0
    return Notification.objects.filter(
        pk__in=[a.notification_id for a in attempts],
        state=State.SENDING,
        attempt_started_at=attempts[0].started_at,
    ).update(state=State.PENDING, attempt_started_at=None, claimed_at=None)


def _deliver(
    ids: list[int], now: datetime.datetime, in_app_only: bool, *, skip_locked: bool
) -> dict[int, str]:
    connection = _Connection()
    try:
        try:
            attempts, outcomes = _begin(ids, now, in_app_only, connection, skip_locked=skip_locked)
        except Exception as error:
            if skip_locked:
                # One row broke the batch's transaction (a database error while
                # writing its email): begun one by one, it fails alone.
                logger.exception("Beginning a batch of %s notifications failed", len(ids))
                return dict.fromkeys(ids, "locked")
            logger.exception("Beginning notification %s failed", ids[0])
            while error.__context__ is not None:  # what broke it, not "transaction aborted"
                error = error.__context__  # type: ignore[assignment]
            return {ids[0]: _record_failed_beginning(ids[0], error, now)}
        deadline = monotonic() + lease().total_seconds() / 2
        for n, attempt in enumerate(attempts):
            if monotonic() > deadline:  # a slow mail server: the rest wait their turn
                _put_back(attempts[n:])
                outcomes.update((a.notification_id, "put back") for a in attempts[n:])
                break
            outcomes[attempt.notification_id] = _hand_over(attempt, connection)
    finally:
        connection.close()
    return outcomes


def deliver_many(ids: list[int], *, in_app_only: bool = False) -> dict[int, str]:
    """Send these notifications, those that still need sending; returns what happened
    to each, in the order given ({id: "sent", "retry", "no longer needed", ...}).

    `in_app_only`: put them in the people's in-app lists without emailing them (the
    demo's own notifications, nonprod/outbox.py); quiet hours, which hold emails,
    then do not apply.
    """
    outcomes = _deliver(ids, timezone.now(), in_app_only, skip_locked=len(ids) > 1)
    for pk in ids:
        if outcomes[pk] == "locked":  # held by another transaction: wait for it, on its own
            outcomes.update(_deliver([pk], timezone.now(), in_app_only, skip_locked=False))
    return {pk: outcomes[pk] for pk in ids}


def deliver(notification_id: int, *, in_app_only: bool = False) -> str:
    """Send one notification if it still needs sending; returns what happened."""
    return deliver_many([notification_id], in_app_only=in_app_only)[notification_id]
