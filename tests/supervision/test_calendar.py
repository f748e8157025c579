import datetime

import pytest
from icalendar import Calendar

from kernel.calendar import session_invite
from supervision.services.sessions import session_book, session_cancel, session_reschedule
from tests.outbox import deliver_due
from tests.scenario import tuesday

pytestmark = pytest.mark.django_db


def parse(ics: bytes):
    calendar = Calendar.from_ical(ics)
    event = next(iter(calendar.walk("VEVENT")))
    return calendar, event


@pytest.fixture
def booked(frozen_now, agreement):
    return session_book(
        actor=agreement.supervisee,
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        agreement=agreement,
        starts_at=tuesday(1, 14),
    )


def test_invite_is_a_request_in_london_time_with_the_teams_link(booked):
    calendar, event = parse(session_invite(booked))
    assert calendar["METHOD"] == "REQUEST"
    assert event["SEQUENCE"] == 0
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/London"
    assert start.astimezone(datetime.UTC) == tuesday(1, 14)
    assert str(event["LOCATION"]).startswith("https://teams.microsoft.com/")
    assert str(event["URL"]).startswith("https://teams.microsoft.com/")
    assert any(c.name == "VTIMEZONE" for c in calendar.subcomponents)


def test_a_summer_session_carries_british_summer_time(agreement, programme):
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC)):
        session = session_book(
            actor=agreement.supervisee,
            programme=programme,
            supervisor=agreement.supervisor,
            agreement=agreement,
            starts_at=datetime.datetime(2026, 6, 2, 13, tzinfo=datetime.UTC),  # 14:00 BST
        )
    _, event = parse(session_invite(session))
    assert event.decoded("DTSTART").strftime("%H:%M %Z") == "14:00 BST"


def test_moving_keeps_the_uid_and_raises_the_sequence(booked):
    _, before = parse(session_invite(booked))
    moved = session_reschedule(
        actor=booked.supervisee, session=booked, starts_at=tuesday(8, 15), reason="Clinic clash"
    )
    _, after = parse(session_invite(moved))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == 1


def test_cancelling_sends_a_cancel_with_the_same_uid(booked):
    _, before = parse(session_invite(booked))
    cancelled = session_cancel(actor=booked.supervisor, session=booked, reason="Unwell")
    calendar, event = parse(session_invite(cancelled, cancel=True))
    assert calendar["METHOD"] == "CANCEL"
    assert event["UID"] == before["UID"]
    assert event["SEQUENCE"] > before["SEQUENCE"]


def test_both_people_are_emailed_the_invite_and_nothing_confidential(booked, mailoutbox):
    deliver_due()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [booked.supervisor.email, booked.supervisee.email]
    )
    for message in mailoutbox:
        name, _content, kind = message.attachments[0]
        assert name == "invite.ics"
        assert kind.startswith("text/calendar; method=REQUEST")
        assert "Tuesday 1 December 2026, 14:00 to 15:00 GMT" in message.subject


def test_the_confirm_prompt_goes_to_the_supervisee_only_without_content(booked, mailoutbox):
    import time_machine

    from kernel.models import SupervisionFunction
    from supervision.services.sessions import session_log

    deliver_due()
    mailoutbox.clear()
    with time_machine.travel(booked.ends_at + datetime.timedelta(hours=1), tick=False):
        session_log(
            actor=booked.supervisor,
            session=booked,
            attendance="attended",
            actual_minutes=60,
            functions=[SupervisionFunction.RESTORATIVE],
            themes=[],
            agreed_actions="Secret plan",
            escalated=False,
            escalated_on=None,
            escalated_to="",
        )
        deliver_due()
    # The feedback prompt (due at the end) and the request to confirm.
    assert {m.to[0] for m in mailoutbox} == {booked.supervisee.email}
    assert any("confirm" in m.subject for m in mailoutbox)
    assert all("Secret plan" not in m.body for m in mailoutbox)
    assert all(m.attachments == [] for m in mailoutbox)


def test_the_move_email_gives_the_reason(booked, mailoutbox):
    session_reschedule(
        actor=booked.supervisee, session=booked, starts_at=tuesday(8, 15), reason="Clinic clash"
    )
    deliver_due()
    moved = [m for m in mailoutbox if m.subject.startswith("Supervision moved")]
    assert len(moved) == 2
    assert all("Reason given: Clinic clash" in m.body for m in moved)
    assert all("SEQUENCE:1" in m.attachments[0][1] for m in moved)
