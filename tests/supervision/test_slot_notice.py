"""Availability that starts inside the minimum notice is refused when it is added, with the
reason (issue 15): nobody could ever book it. It is 09:00 on Monday 23 November 2026."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from supervision.availability import MINIMUM_NOTICE, free_slots
from supervision.models import AvailabilitySlot, Mode, WeeklyAvailability
from supervision.services.availability import slot_add, weekly_add
from tests.scenario import NOW

pytestmark = pytest.mark.django_db

TEAMS = "https://teams.microsoft.com/l/meetup-join/abc"
REASON = "The slot must start at least 1 hour from now, because people need 1 hour's notice to book"


def _slot(supervisor, starts_at, minutes=60):
    return slot_add(
        actor=supervisor,
        supervisor=supervisor,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        meeting_link=TEAMS,
    )


def _weekly(supervisor, *, weekday, start, valid_from, valid_until):
    return weekly_add(
        actor=supervisor,
        supervisor=supervisor,
        weekday=weekday,
        start_time=start,
        end_time=start.replace(hour=start.hour + 1),
        valid_from=valid_from,
        valid_until=valid_until,
        meeting_link=TEAMS,
    )


def test_a_slot_inside_the_notice_is_refused_with_the_reason(supervisor, frozen_now):
    with pytest.raises(ValidationError) as refused:
        _slot(supervisor, NOW + datetime.timedelta(minutes=30))
    assert refused.value.message_dict == {"start_time": [REASON]}
    assert not AvailabilitySlot.objects.exists()


def test_a_slot_just_outside_the_notice_is_added_and_offered(
    supervisor, supervisor_profile, programme, frozen_now
):
    slot = _slot(supervisor, NOW + MINIMUM_NOTICE)
    starts = [s.starts_at for s in free_slots(supervisor=supervisor, programme=programme)]
    assert slot.starts_at in starts


def test_the_slot_form_shows_the_reason_on_the_start_time(client, supervisor, frozen_now):
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:availability_slot_add"),
        {
            "date": "2026-11-23",
            "start_time": "09:30",
            "end_time": "10:30",
            "mode": Mode.ONLINE,
            "meeting_link": TEAMS,
            "location": "",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    summary = page[page.index("nhsuk-error-summary") :]
    assert REASON.replace("'", "&#x27;") in summary
    assert response.context["form"].errors["start_time"] == [REASON]
    assert not AvailabilitySlot.objects.exists()


@pytest.mark.parametrize(
    ("weekday", "start", "until"),
    [
        (0, datetime.time(9, 30), datetime.date(2026, 11, 23)),  # today, inside the notice
        (0, datetime.time(8, 0), datetime.date(2026, 11, 23)),  # today, already over
        (4, datetime.time(14, 0), datetime.date(2026, 11, 24)),  # no Friday in its weeks
    ],
)
def test_a_weekly_window_with_no_bookable_week_is_refused(
    supervisor, frozen_now, weekday, start, until
):
    with pytest.raises(ValidationError) as refused:
        _weekly(supervisor, weekday=weekday, start=start, valid_from=NOW.date(), valid_until=until)
    (message,) = refused.value.message_dict["valid_until"]
    assert "hour's notice to book" in message
    assert not WeeklyAvailability.objects.exists()


@pytest.mark.parametrize(
    ("start", "until"),
    [
        (datetime.time(10, 0), datetime.date(2026, 11, 23)),  # today, an hour from now
        (datetime.time(9, 30), datetime.date(2026, 11, 30)),  # next Monday is fine
        (datetime.time(9, 30), None),  # no last week: later weeks always are
    ],
)
def test_a_weekly_window_with_a_bookable_week_is_added(supervisor, frozen_now, start, until):
    _weekly(supervisor, weekday=0, start=start, valid_from=NOW.date(), valid_until=until)
    assert WeeklyAvailability.objects.count() == 1
