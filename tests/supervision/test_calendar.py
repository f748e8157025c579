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
        # The organiser's own copy is published, not a request addressed to themselves
        method = "PUBLISH" if message.to == [booked.supervisor.email] else "REQUEST"
        assert kind == f"text/calendar; method={method}"
        assert "Tuesday 1 December 2026, 14:00 to 15:00 GMT" in message.subject
        # Each Content-Type parameter once (the charset used to be added twice)
        header = next(
            part["Content-Type"]
            for part in message.message().walk()
            if part.get_content_type() == "text/calendar"
        )
        assert header.count("charset") == 1
        assert header.count("method") == 1


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
    deliver_due()  # both have been told of the booking
    session_reschedule(
        actor=booked.supervisee, session=booked, starts_at=tuesday(8, 15), reason="Clinic clash"
    )
    deliver_due()
    moved = [m for m in mailoutbox if m.subject.startswith("Supervision moved")]
    assert len(moved) == 2
    assert all("Reason given: Clinic clash" in m.body for m in moved)
    # Both times: where it was and where it is now
    assert all(
        "from Tuesday 1 December 2026, 14:00 to 15:00 GMT to Tuesday 8 December 2026, "
        "15:00 to 16:00 GMT" in m.body
        for m in moved
    )
    assert all("SEQUENCE:1" in m.attachments[0][1] for m in moved)


# --- Read back by an independent parser (vobject), not the library that wrote it ---


def _read(ics: bytes):
    import vobject

    return vobject.readOne(ics.decode())


@pytest.mark.parametrize(
    ("starts_at", "local"),
    [
        # the Tuesdays either side of both clock changes of 2027
        (datetime.datetime(2027, 3, 23, 14, tzinfo=datetime.UTC), "14:00 GMT"),
        (datetime.datetime(2027, 3, 30, 13, tzinfo=datetime.UTC), "14:00 BST"),
        (datetime.datetime(2027, 10, 26, 13, tzinfo=datetime.UTC), "14:00 BST"),
        (datetime.datetime(2027, 11, 2, 14, tzinfo=datetime.UTC), "14:00 GMT"),
    ],
)
def test_another_parser_reads_the_same_instant_across_the_clock_changes(booked, starts_at, local):
    booked.starts_at, booked.ends_at = starts_at, starts_at + datetime.timedelta(hours=1)
    parsed = _read(session_invite(booked))
    start = parsed.vevent.dtstart.value
    assert start.astimezone(datetime.UTC) == starts_at
    assert start.strftime("%H:%M %Z") == local


def test_the_time_zone_is_defined_by_rules_not_a_list_of_dates(booked):
    parsed = _read(session_invite(booked))
    [zone] = parsed.contents["vtimezone"]
    parts = {part.name: part for part in zone.getChildren() if part.name != "TZID"}
    assert zone.tzid.value == "Europe/London"
    assert set(parts) == {"STANDARD", "DAYLIGHT"}
    assert parts["DAYLIGHT"].rrule.value == "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert parts["STANDARD"].rrule.value == "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
    assert "RDATE" not in session_invite(booked).decode()


def test_an_invite_is_exactly_what_icalendar_writes_though_its_zone_is_written_once(booked):
    """The VTIMEZONE is the same for every invite of a zone and year: written once and
    put in its place, before the event, where icalendar itself would write it."""
    for recipient in (booked.supervisee, booked.supervisor):
        ics = session_invite(booked, recipient=recipient)
        assert Calendar.from_ical(ics).to_ical() == ics
        assert ics.index(b"END:VTIMEZONE") < ics.index(b"BEGIN:VEVENT")


def test_the_supervisor_organises_and_is_not_asked_to_attend(booked):
    as_supervisee = _read(session_invite(booked, recipient=booked.supervisee))
    as_supervisor = _read(session_invite(booked, recipient=booked.supervisor))
    assert as_supervisee.method.value == "REQUEST"
    assert as_supervisor.method.value == "PUBLISH"
    organiser = as_supervisee.vevent.organizer.value.lower()
    attendees = [a.value.lower() for a in as_supervisee.vevent.contents["attendee"]]
    assert organiser == f"mailto:{booked.supervisor.email}"
    assert attendees == [f"mailto:{booked.supervisee.email}"]


def test_a_zone_without_clock_changes_has_one_fixed_part():
    from kernel.calendar import vtimezone

    parts = vtimezone("Asia/Kolkata", 2027).subcomponents
    assert [p.name for p in parts] == ["STANDARD"]
    assert "RRULE" not in parts[0]


@pytest.mark.parametrize(
    ("zone", "daylight", "standard"),
    [
        ("America/New_York", "2SU;BYMONTH=3", "1SU;BYMONTH=11"),
        ("Australia/Sydney", "1SU;BYMONTH=10", "1SU;BYMONTH=4"),
    ],
)
def test_other_zones_get_their_own_rules(zone, daylight, standard):
    from kernel.calendar import vtimezone

    ical = vtimezone(zone, 2027).to_ical().decode()
    daylight_part = ical.split("BEGIN:DAYLIGHT")[1].split("END:DAYLIGHT")[0]
    standard_part = ical.split("BEGIN:STANDARD")[1].split("END:STANDARD")[0]
    assert f"BYDAY={daylight}" in daylight_part
    assert f"BYDAY={standard}" in standard_part
