"""Each send is an attempt on record before the email leaves: what a killed worker can
and cannot cause (notifications.sending)."""

import datetime
import logging

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from notifications.models import Notification
from notifications.sending import deliver
from notifications.services import notification_schedule, notifications_cancel
from notifications.tasks import claim_due

State = Notification.State


class WorkerKilled(BaseException):
    """What a kill -9 looks like from inside: nothing after it runs, nothing commits."""


class KilledOnceAccepted(EmailBackend):
    """The mail server takes the email, then the worker dies before recording it."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise WorkerKilled


class Unreachable(EmailBackend):
    def open(self):
        raise ConnectionRefusedError("SMTP server unavailable")


def _reminders(session, hours=24) -> list[int]:
    due = session.starts_at - datetime.timedelta(hours=hours)
    with time_machine.travel(due, tick=False):
        return claim_due(due)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_the_mail_server_took_it_sends_it_once_more_with_the_same_id(
    booked, settings, caplog
):
    """The one window that remains: it is on record, repeated once, and recognisable."""
    first, _second = _reminders(booked)
    due = booked.starts_at - datetime.timedelta(hours=24)
    settings.EMAIL_BACKEND = "tests.notifications.test_attempts.KilledOnceAccepted"
    with time_machine.travel(due, tick=False), pytest.raises(WorkerKilled):
        deliver(first)
    row = Notification.objects.get(pk=first)
    # The attempt was committed before the hand-over; the "sent" never was.
    assert row.state == State.SENDING
    assert row.attempt_started_at == due
    assert row.payload  # still there to send again
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(due + datetime.timedelta(seconds=5), tick=False):
        assert deliver(first) == "being sent"  # inside the lease: another worker's, maybe
        assert first not in claim_due(due + datetime.timedelta(seconds=5))
    later = due + datetime.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS + 1)
    with (
        time_machine.travel(later, tick=False),
        caplog.at_level(logging.WARNING, logger="notifications.sending"),
    ):
        assert first in claim_due(later)
        assert deliver(first) == "sent"
        assert deliver(first) == "nothing to do"
    assert "was never confirmed" in caplog.text
    assert len(mail.outbox) == 2  # the one repeat...
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 1  # ...recognisable
    row.refresh_from_db()
    assert (row.state, row.attempt_started_at, row.payload) == (State.SENT, None, {})


def test_a_mail_server_that_cannot_be_reached_leaves_no_attempt_in_doubt(booked, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_attempts.Unreachable"
    first, _second = _reminders(booked)
    due = booked.starts_at - datetime.timedelta(hours=24)
    with time_machine.travel(due, tick=False):
        assert deliver(first) == "retry"
    row = Notification.objects.get(pk=first)
    assert (row.state, row.attempt_started_at, row.attempts) == (State.PENDING, None, 1)
    assert "SMTP server unavailable" in row.last_error


def test_each_email_names_its_notification_and_version_in_its_message_id(booked):
    first, _second = _reminders(booked)
    due = booked.starts_at - datetime.timedelta(hours=24)
    with time_machine.travel(due, tick=False):
        deliver(first)
    assert mail.outbox[-1].extra_headers["Message-ID"].startswith(f"<notification-{first}-1@")


def test_a_cancelled_notification_planned_again_is_a_new_message_with_a_new_id(booked):
    """A mail system that drops repeats by Message-ID must not drop it."""
    due = booked.ends_at + datetime.timedelta(days=30)
    plan = {
        "recipient": booked.supervisee,
        "kind": "session_booked",
        "target": booked,
        "due_at": due,
        "organisation_id": booked.programme.organisation_id,
    }
    row = notification_schedule(**plan)
    notifications_cancel(target=booked, kinds=["session_booked"])
    notification_schedule(**plan)
    row.refresh_from_db()
    assert (row.state, row.version) == (State.PENDING, 2)
    with time_machine.travel(due, tick=False):
        claim_due(due)
        assert deliver(row.pk) == "sent"
    assert mail.outbox[-1].extra_headers["Message-ID"].startswith(f"<notification-{row.pk}-2@")
