"""The outbox keeps a person's words no longer than delivering them needs (issue 15).

A reason for a move or a cancellation waits in the notification's payload,
encrypted; once the row is sent, cancelled or failed the payload is emptied,
and a sent row keeps only its subject and link for the in-app list.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse

from notifications.models import Notification
from supervision.services.sessions import session_cancel, session_reschedule
from supervision_site.encryption import decrypt_str, looks_like_token
from tests.confidential_records import stored
from tests.outbox import deliver_due
from tests.scenario import tuesday

pytestmark = pytest.mark.django_db

State = Notification.State
WORDS = "My mother's operation was moved 5c1d"


def _stored_payload(notification) -> str:
    return stored(Notification, "payload", notification.pk)


def test_a_reason_waits_encrypted_and_goes_once_the_move_is_sent(client, booked):
    session_reschedule(
        actor=booked.supervisee, session=booked, starts_at=tuesday(8, 15), reason=WORDS
    )
    waiting = list(Notification.objects.for_target(booked).filter(kind="session_moved"))
    assert len(waiting) == 2
    for notification in waiting:
        assert notification.state == State.PENDING
        assert notification.payload["reason"] == WORDS  # what the email will need
        raw = _stored_payload(notification)
        assert WORDS not in raw
        assert looks_like_token(raw)

    deliver_due()

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [booked.supervisor.email, booked.supervisee.email]
    )
    assert all(WORDS in m.body for m in mail.outbox)  # delivered
    for notification in waiting:
        notification.refresh_from_db()
        assert notification.state == State.SENT
        assert notification.payload == {}
        assert decrypt_str(_stored_payload(notification)) == "{}"
        assert notification.url == booked.get_absolute_url()
        assert notification.subject.startswith("Supervision moved")
    # The in-app list still links each one to its session.
    client.force_login(booked.supervisee)
    page = client.get(reverse("notifications:list")).content.decode()
    assert f'href="{booked.get_absolute_url()}"' in page
    assert WORDS not in page


def test_a_cancellation_reason_is_gone_from_the_outbox_once_sent(booked):
    session_cancel(actor=booked.supervisor, session=booked, reason=WORDS)
    deliver_due()
    rows = Notification.objects.for_target(booked)
    assert {row.state for row in rows} == {State.SENT, State.CANCELLED}
    assert all(row.payload == {} for row in rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM notifications_notification")
        assert all(WORDS not in decrypt_str(value) for (value,) in cursor.fetchall())


def test_cancelled_notifications_keep_no_payload(booked):
    reminders = Notification.objects.for_target(booked).filter(kind="session_reminder")
    assert all(row.payload for row in reminders)  # each knows its hours before

    session_reschedule(
        actor=booked.supervisee, session=booked, starts_at=tuesday(8, 15), reason=WORDS
    )

    old = reminders.filter(due_at__lt=tuesday(2, 0))  # before the session moved to the 8th
    assert old.exists()
    assert all(row.state == State.CANCELLED and row.payload == {} for row in old)


def test_a_notification_no_longer_needed_keeps_no_payload(booked):
    """The session moved away from a reminder that a worker had already claimed."""
    reminder = Notification.objects.for_target(booked).filter(kind="session_reminder").first()
    Notification.objects.filter(pk=reminder.pk).update(
        payload={"hours": 1, "reason": WORDS}, due_at=reminder.due_at - datetime.timedelta(hours=5)
    )
    with time_machine.travel(reminder.due_at, tick=False):
        assert "no longer needed" in deliver_due()
    reminder.refresh_from_db()
    assert (reminder.state, reminder.payload) == (State.CANCELLED, {})
