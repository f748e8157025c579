"""A session's emails tell of the change that caused them, as it was made (issue 17).

Each change freezes the invite's SEQUENCE, time, place and DTSTAMP into its
message; a change replaces the person's earlier messages that have not gone.
"""

import datetime

import pytest
import time_machine
from icalendar import Calendar

from notifications.models import Notification
from supervision.services.sessions import session_book, session_cancel, session_reschedule
from tests.outbox import deliver_due
from tests.scenario import NOW, tuesday

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)
CHANGES = ["session_booked", "session_moved", "session_cancelled"]


def invite(message):
    [(_name, content, mimetype)] = message.attachments
    calendar = Calendar.from_ical(content)
    return calendar, next(iter(calendar.walk("VEVENT"))), mimetype


@pytest.fixture
def booked(frozen_now, agreement):
    """Booked now; its emails not sent yet (the worker is busy, or down)."""
    return session_book(
        actor=agreement.supervisee,
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        agreement=agreement,
        starts_at=tuesday(1, 14),
    )


def changes_sent(mailoutbox):
    return [m for m in mailoutbox if m.subject.startswith("Supervision")]


def test_booked_then_cancelled_before_any_email_went_sends_nobody_anything(booked, mailoutbox):
    """Before: a REQUEST and a CANCEL of the same SEQUENCE and DTSTAMP, and a
    'booked' email for a cancelled session. Neither person's calendar holds it."""
    with time_machine.travel(NOW + MINUTE, tick=False):
        session_cancel(actor=booked.supervisee, session=booked, reason="Wrong day")
    with time_machine.travel(NOW + 2 * MINUTE, tick=False):
        deliver_due()
    assert changes_sent(mailoutbox) == []
    states = set(
        Notification.objects.for_target(booked)
        .filter(kind__in=CHANGES)
        .values_list("kind", "state")
    )
    assert states == {("session_booked", "cancelled")}


def test_moved_before_the_booking_email_went_is_told_as_the_booking_at_the_new_time(
    booked, mailoutbox
):
    with time_machine.travel(NOW + MINUTE, tick=False):
        session_reschedule(
            actor=booked.supervisee, session=booked, starts_at=tuesday(8, 15), reason=""
        )
    with time_machine.travel(NOW + 10 * MINUTE, tick=False):
        deliver_due()
    sent = changes_sent(mailoutbox)
    assert sorted(m.to[0] for m in sent) == sorted(
        [booked.supervisor.email, booked.supervisee.email]
    )
    for message in sent:
        assert message.subject.startswith("Supervision booked: Tuesday 8 December 2026")
        _calendar, event, _mimetype = invite(message)
        assert event["SEQUENCE"] == 1
        assert event.decoded("DTSTART").astimezone(datetime.UTC) == tuesday(8, 15)
        # Stamped with the moment of the change, not the moment it was sent.
        assert event.decoded("DTSTAMP") == NOW + MINUTE


def test_a_change_after_the_booking_went_is_a_request_then_a_cancel_with_rising_sequence(
    booked, mailoutbox
):
    """Told of the booking, each person gets only the latest of two quick changes:
    the cancellation, SEQUENCE 2, stamped when it was cancelled."""
    deliver_due()
    with time_machine.travel(NOW + MINUTE, tick=False):
        session_reschedule(
            actor=booked.supervisee, session=booked, starts_at=tuesday(8, 15), reason=""
        )
    with time_machine.travel(NOW + 2 * MINUTE, tick=False):
        session_cancel(actor=booked.supervisor, session=booked, reason="Unwell")
    with time_machine.travel(NOW + 30 * MINUTE, tick=False):
        deliver_due()
    sent = changes_sent(mailoutbox)
    supervisee = [m for m in sent if m.to == [booked.supervisee.email]]
    assert [m.subject.split(":")[0] for m in supervisee] == [
        "Supervision booked",
        "Supervision cancelled",
    ]
    request, cancel = (invite(m) for m in supervisee)
    assert request[0]["METHOD"] == "REQUEST"
    assert cancel[0]["METHOD"] == "CANCEL"
    assert (request[1]["SEQUENCE"], cancel[1]["SEQUENCE"]) == (0, 2)
    assert request[1].decoded("DTSTAMP") == NOW
    assert cancel[1].decoded("DTSTAMP") == NOW + 2 * MINUTE


def test_two_quick_moves_reach_someone_told_of_the_booking_as_one_from_the_time_they_knew(
    booked, mailoutbox
):
    deliver_due()
    with time_machine.travel(NOW + MINUTE, tick=False):
        session_reschedule(
            actor=booked.supervisee, session=booked, starts_at=tuesday(8, 15), reason=""
        )
    with time_machine.travel(NOW + 2 * MINUTE, tick=False):
        session_reschedule(
            actor=booked.supervisee, session=booked, starts_at=tuesday(15, 15), reason=""
        )
        deliver_due()
    moved = [m for m in changes_sent(mailoutbox) if m.subject.startswith("Supervision moved")]
    assert len(moved) == 2  # one each
    for message in moved:
        assert "from Tuesday 1 December 2026, 14:00" in message.body
        assert "to Tuesday 15 December 2026, 15:00" in message.body
        _calendar, event, _mimetype = invite(message)
        assert event["SEQUENCE"] == 2
