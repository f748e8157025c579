"""The engagement report's time to first contact (peer support) counts the first contact the
supporter recorded, not only check-ins, and still through the disclosure-control module."""

import datetime
import zoneinfo

import pytest

from peergroups.models import CheckIn, SupportRequest
from peergroups.reporting import first_contact_moment
from reports.report import engagement_report
from tests.factories import StaffProfileFactory

from .test_report import scope_for

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC
# 10:00 in London (BST) on 1 October 2026.
ASKED = datetime.datetime(2026, 10, 1, 9, tzinfo=UTC)


def moment(recorded=None, checkin=None, asked=ASKED):
    return first_contact_moment(
        asked_at=asked, recorded=recorded, first_checkin=checkin, zone=LONDON
    )


def test_a_recorded_date_alone_counts_from_midday_in_the_organisations_zone():
    assert moment(datetime.date(2026, 10, 2)) == datetime.datetime(2026, 10, 2, 11, tzinfo=UTC)


def test_a_recorded_date_the_same_afternoon_counts_from_the_request_never_before():
    asked = datetime.datetime(2026, 10, 1, 14, tzinfo=UTC)
    assert moment(datetime.date(2026, 10, 1), asked=asked) == asked


def test_a_check_in_on_the_recorded_day_gives_the_time():
    checkin = datetime.datetime(2026, 10, 2, 16, 30, tzinfo=UTC)
    assert moment(datetime.date(2026, 10, 2), checkin) == checkin


def test_a_check_in_logged_after_the_recorded_contact_does_not_replace_it():
    """The supporter phoned on the 2nd and logged their first check-in a week later."""
    later = datetime.datetime(2026, 10, 9, 16, tzinfo=UTC)
    assert moment(datetime.date(2026, 10, 2), later) == datetime.datetime(
        2026, 10, 2, 11, tzinfo=UTC
    )


def test_with_no_date_recorded_the_first_check_in_is_first_contact():
    checkin = datetime.datetime(2026, 10, 3, 8, tzinfo=UTC)
    assert moment(None, checkin) == checkin
    assert moment(None, None) is None


def _request(organisation, days_after, *, recorded_after_hours=None, checkin_after_hours=None):
    asked = ASKED + datetime.timedelta(days=days_after)
    request = SupportRequest.objects.create(
        organisation=organisation,
        requester=StaffProfileFactory(organisation=organisation).user,
        event_kind="adverse_event",
        contact_mode="phone",
        first_contact_due=asked + datetime.timedelta(hours=72),
        first_contacted_on=(
            (asked + datetime.timedelta(hours=recorded_after_hours)).astimezone(LONDON).date()
            if recorded_after_hours is not None
            else None
        ),
    )
    SupportRequest.objects.filter(pk=request.pk).update(created_at=asked)
    if checkin_after_hours is not None:
        CheckIn.objects.create(
            request=request,
            happened_at=asked + datetime.timedelta(hours=checkin_after_hours),
            mode="phone",
            logged_by=request.requester,
        )
    return request


def first_contact_row(organisation):
    report = engagement_report(scope_for(organisation), only=["first_contact"])
    table = report.tables["first-contact"]
    return table.rows[0].cells


def test_first_contacts_recorded_without_a_check_in_are_counted(frozen_now, organisation):
    # Six people, each first contacted the next day (recorded: midday, 26 hours after
    # 10:00), none with a check-in logged; one request nobody has contacted yet; one
    # contacted four days after asking, a day late.
    for day in range(6):
        _request(organisation, day, recorded_after_hours=24)
    _request(organisation, 6)
    _request(organisation, 7, recorded_after_hours=96)
    contacted, hours, on_time = first_contact_row(organisation)
    assert (contacted.value, contacted.people) == (5, 7)  # 7, rounded to 5
    assert hours.value == round((6 * 26 + 98) / 7, 1)
    assert (on_time.value, on_time.people) == (5, 6)


def test_the_mean_is_hidden_when_fewer_than_five_people_were_contacted(frozen_now, organisation):
    for day in range(4):
        _request(organisation, day, recorded_after_hours=24, checkin_after_hours=30)
    contacted, hours, _ = first_contact_row(organisation)
    assert contacted.people == 4
    assert hours.hidden
    assert hours.value is None


def test_counted_in_the_database_as_one_by_one_in_python_across_the_clock_change(
    frozen_now, organisation
):
    """first_contact_counts (one statement on PostgreSQL) gives what first_contacts, the
    Python walk of every request, gives: requests from 20 to 30 October, across the
    clock change on the 25th, first contacted by a recorded date alone, by a check-in
    on or before that day, by a check-in logged after it, by a check-in alone, late,
    or not at all; one person asking twice."""
    from peergroups.reporting import counted_contacts, first_contact_counts, first_contacts

    shapes = [
        {"recorded_after_hours": 14},
        {"recorded_after_hours": 24, "checkin_after_hours": 20},
        {"recorded_after_hours": 24, "checkin_after_hours": 200},
        {"checkin_after_hours": 5},
        {"recorded_after_hours": 100},
        {},
    ]
    requests = [_request(organisation, 19 + day, **shapes[day % len(shapes)]) for day in range(11)]
    again = requests[0]
    SupportRequest.objects.filter(pk=requests[1].pk).update(requester=again.requester)
    scope = scope_for(organisation)
    expected = counted_contacts(first_contacts(scope))
    counted = first_contact_counts(scope)
    assert expected.contacted == 10  # one of the eleven not contacted
    assert expected.people == 9  # one person asked twice
    assert 0 < expected.on_time < expected.contacted  # those contacted after 100 hours are late
    assert counted.hours == pytest.approx(expected.hours, abs=1e-9)
    assert (counted.contacted, counted.people, counted.on_time, counted.on_time_people) == (
        expected.contacted,
        expected.people,
        expected.on_time,
        expected.on_time_people,
    )


def test_no_first_contacts_counts_nothing(frozen_now, organisation):
    from peergroups.reporting import first_contact_counts

    _request(organisation, 2)
    counted = first_contact_counts(scope_for(organisation))
    assert (counted.contacted, counted.people, counted.hours, counted.on_time) == (0, 0, None, 0)
