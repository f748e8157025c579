"""Clock-change nights (issue 17): every time shown names its clock when the two
ends differ, and invites hold the right instant in the hour that happens twice.

The clocks change in London at 01:00 UTC: 29 March and 25 October 2026, 28 March
and 31 October 2027.
"""

import datetime

import pytest
import vobject

from kernel.calendar import session_invite
from kernel.dates import format_moment, format_when

UTC = datetime.UTC
LONDON = "Europe/London"


def at(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


HOUR = datetime.timedelta(hours=1)


@pytest.mark.parametrize(
    ("starts_at", "shown"),
    [
        # 2026, clocks back: 01:30 BST (00:30 UTC) to 01:30 GMT (01:30 UTC)
        (at(2026, 10, 25, 0, 30), "Sunday 25 October 2026, 01:30 BST to 01:30 GMT"),
        # ... and the hour after, on one clock
        (at(2026, 10, 25, 1, 30), "Sunday 25 October 2026, 01:30 to 02:30 GMT"),
        (at(2026, 10, 24, 23, 30), "Sunday 25 October 2026, 00:30 to 01:30 BST"),
        # 2026, clocks forward: 00:30 GMT to 02:30 BST is one hour
        (at(2026, 3, 29, 0, 30), "Sunday 29 March 2026, 00:30 GMT to 02:30 BST"),
        (at(2026, 3, 29, 1, 30), "Sunday 29 March 2026, 02:30 to 03:30 BST"),
        # 2027
        (at(2027, 3, 28, 0, 30), "Sunday 28 March 2027, 00:30 GMT to 02:30 BST"),
        (at(2027, 10, 31, 0, 30), "Sunday 31 October 2027, 01:30 BST to 01:30 GMT"),
        (at(2027, 10, 31, 1, 0), "Sunday 31 October 2027, 01:00 to 02:00 GMT"),
        # an ordinary afternoon
        (at(2026, 12, 1, 14), "Tuesday 1 December 2026, 14:00 to 15:00 GMT"),
    ],
)
def test_times_name_both_clocks_when_they_differ(starts_at, shown):
    assert format_when(starts_at, starts_at + HOUR, LONDON) == shown


def test_one_instant_in_the_repeated_hour_says_which_clock():
    assert format_moment(at(2026, 10, 25, 0, 30), LONDON) == "Sunday 25 October 2026, 01:30 BST"
    assert format_moment(at(2026, 10, 25, 1, 30), LONDON) == "Sunday 25 October 2026, 01:30 GMT"


# --- Invites, read back by an independent parser -------------------------------


@pytest.fixture
def session(db, agreement):
    from supervision.models import Session

    return Session(
        programme=agreement.programme,
        agreement=agreement,
        supervisor=agreement.supervisor,
        supervisee=agreement.supervisee,
        mode="online",
        meeting_link="https://teams.microsoft.com/l/meetup-join/x",
    )


@pytest.mark.parametrize(
    "starts_at",
    [
        at(2026, 10, 25, 0, 30),  # 01:30 BST, the first 01:30
        at(2026, 10, 25, 1, 30),  # 01:30 GMT, the second: was sent an hour early
        at(2026, 10, 25, 1, 0),  # 01:00 GMT, just as the clocks went back
        at(2026, 10, 25, 0, 0),  # 01:00 BST
        at(2026, 3, 29, 0, 30),  # 00:30 GMT, ending 02:30 BST
        at(2026, 3, 29, 1, 0),  # 02:00 BST, just as the clocks went forward
        at(2027, 10, 31, 0, 30),
        at(2027, 10, 31, 1, 30),
        at(2027, 3, 28, 0, 30),
        at(2026, 12, 1, 14),
    ],
)
def test_an_invite_holds_the_right_instants_across_a_clock_change(session, starts_at):
    session.starts_at, session.ends_at = starts_at, starts_at + HOUR
    event = vobject.readOne(session_invite(session).decode()).vevent
    start, end = event.dtstart.value, event.dtend.value
    assert start.astimezone(UTC) == starts_at
    assert end.astimezone(UTC) == starts_at + HOUR
    assert end - start == HOUR  # never a zero-length event


def test_a_time_in_the_repeated_hour_is_written_in_utc(session):
    """RFC 5545 reads a bare 01:30 on that night as the first (BST) one; some
    parsers read the second. UTC leaves no choice to either."""
    session.starts_at, session.ends_at = at(2026, 10, 25, 1, 30), at(2026, 10, 25, 2, 30)
    ics = session_invite(session).decode()
    assert "DTSTART:20261025T013000Z" in ics
    assert "DTEND;TZID=Europe/London:20261025T023000" in ics


def test_an_ordinary_invite_keeps_the_organisations_zone(session):
    session.starts_at, session.ends_at = at(2026, 12, 1, 14), at(2026, 12, 1, 15)
    ics = session_invite(session).decode()
    assert "DTSTART;TZID=Europe/London:20261201T140000" in ics


def test_the_session_email_names_both_clocks(session, mailoutbox, frozen_now):
    from supervision.notifications import session_changed
    from tests.outbox import deliver_due

    session.starts_at, session.ends_at = at(2026, 10, 25, 0, 30), at(2026, 10, 25, 1, 30)
    session.full_clean(exclude=["agreement"])
    session.save()
    session_changed(session, "booked")
    deliver_due()
    bodies = [message.body for message in mailoutbox]
    assert bodies
    assert all("01:30 BST to 01:30 GMT" in body for body in bodies)
