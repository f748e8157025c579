import datetime

import pytest
from icalendar import Calendar

from supervision.calendar import session_invite
from supervision.services.sessions import session_book, session_cancel, session_reschedule
from supervision.tasks import send_session_email

from .conftest import tuesday

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
    moved = session_reschedule(actor=booked.supervisee, session=booked, starts_at=tuesday(8, 15))
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
    send_session_email(booked.pk, "booked")
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [booked.supervisor.email, booked.supervisee.email]
    )
    for message in mailoutbox:
        name, _content, kind = message.attachments[0]
        assert name == "invite.ics"
        assert kind.startswith("text/calendar; method=REQUEST")
        assert "Tuesday 1 December 2026 at 14:00 GMT" in message.subject


def test_the_logged_email_goes_to_the_supervisee_only_without_content(booked, mailoutbox):
    from supervision.models import SessionRecord

    SessionRecord.objects.create(
        session=booked, actual_minutes=60, agreed_actions="Secret plan", logged_by=booked.supervisor
    )
    send_session_email(booked.pk, "logged")
    assert [m.to[0] for m in mailoutbox] == [booked.supervisee.email]
    assert "Secret plan" not in mailoutbox[0].body
    assert mailoutbox[0].attachments == []
