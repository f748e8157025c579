"""Issue 18: a fixed allowance period that has ended cannot be offered to staff.

A supervisor offers time through their one-to-one programmes. Once every one of
them has a fixed allowance period that has ended (supervision.allowances.period_ended),
no single slot, weekly window or newly chosen programme is accepted, each refused with
a message saying why; every way in goes through the page.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from kernel.models import PeriodKind
from supervision.models import AvailabilitySlot, Mode, WeeklyAvailability
from tests.factories import ProgrammeFactory, SupervisorProfileFactory

pytestmark = pytest.mark.django_db

TEAMS = "https://teams.microsoft.com/l/meetup-join/xyz"
# The programme fixture's fixed period runs from 1 April 2026 to 31 March 2027.
AFTER_THE_END = datetime.datetime(2027, 4, 12, 9, 0, tzinfo=datetime.UTC)
BEFORE_THE_END = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
ENDED = "The allowance period of Band 7-8 one-to-one supervision ended on 31 March 2027"
ENDS = "The allowance period of Band 7-8 one-to-one supervision ends on 31 March 2027"


def slot(day: str) -> dict:
    return {
        "date": day,
        "start_time": "10:00",
        "end_time": "11:00",
        "mode": Mode.ONLINE,
        "meeting_link": TEAMS,
        "location": "",
    }


def weekly(valid_from: str, valid_until: str = "") -> dict:
    return {
        "weekday": "1",
        "start_time": "14:00",
        "end_time": "15:00",
        "valid_from": valid_from,
        "valid_until": valid_until,
        "mode": Mode.ONLINE,
        "meeting_link": TEAMS,
        "location": "",
    }


def profile_form(*programmes) -> dict:
    return {
        "capacity": "4",
        "accepting_new": "on",
        "bio": "",
        "programmes": [programme.pk for programme in programmes],
        "mode": Mode.ONLINE,
        "meeting_link": TEAMS,
        "location": "",
    }


@pytest.fixture
def signed_in(client, supervisor, programme):
    SupervisorProfileFactory(user=supervisor, programmes=[programme])
    client.force_login(supervisor)
    return client


def refused(response, message: str) -> str:
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    return page


def test_a_single_slot_after_the_period_ended_is_refused(signed_in, supervisor):
    with time_machine.travel(AFTER_THE_END, tick=False):
        signed_in.force_login(supervisor)
        response = signed_in.post(reverse("supervision:availability_slot_add"), slot("2027-04-20"))
    refused(response, ENDED)
    assert not AvailabilitySlot.objects.exists()


def test_a_single_slot_beyond_the_end_of_a_running_period_is_refused(signed_in, supervisor):
    with time_machine.travel(BEFORE_THE_END, tick=False):
        signed_in.force_login(supervisor)
        url = reverse("supervision:availability_slot_add")
        refused(signed_in.post(url, slot("2027-04-06")), ENDS)
        assert signed_in.post(url, slot("2027-03-31")).status_code == 302
    assert AvailabilitySlot.objects.count() == 1


def test_a_weekly_window_after_the_period_ended_is_refused(signed_in, supervisor):
    url = reverse("supervision:availability_weekly_add")
    with time_machine.travel(AFTER_THE_END, tick=False):
        signed_in.force_login(supervisor)
        refused(signed_in.post(url, weekly("2027-04-12")), ENDED)
        refused(signed_in.post(url, weekly("2027-05-03", "2027-06-30")), ENDED)
    assert not WeeklyAvailability.objects.exists()


def test_a_weekly_window_starting_before_the_end_is_accepted(signed_in, supervisor):
    with time_machine.travel(BEFORE_THE_END, tick=False):
        signed_in.force_login(supervisor)
        response = signed_in.post(
            reverse("supervision:availability_weekly_add"), weekly("2027-03-01")
        )
    assert response.status_code == 302
    assert WeeklyAvailability.objects.count() == 1


def test_another_programme_still_running_keeps_availability_open(
    signed_in, supervisor, organisation
):
    rolling = ProgrammeFactory(organisation=organisation, period_kind=PeriodKind.ROLLING)
    supervisor.supervisor_profile.programmes.add(rolling)
    with time_machine.travel(AFTER_THE_END, tick=False):
        signed_in.force_login(supervisor)
        response = signed_in.post(reverse("supervision:availability_slot_add"), slot("2027-04-20"))
    assert response.status_code == 302
    assert AvailabilitySlot.objects.count() == 1


def test_choosing_a_programme_whose_period_ended_is_refused_but_keeping_one_is_not(
    client, supervisor, programme, organisation
):
    rolling = ProgrammeFactory(organisation=organisation, period_kind=PeriodKind.ROLLING)
    profile = SupervisorProfileFactory(user=supervisor, programmes=[rolling])
    url = reverse("supervision:supervisor_profile")
    with time_machine.travel(AFTER_THE_END, tick=False):
        client.force_login(supervisor)
        page = refused(client.post(url, profile_form(rolling, programme)), ENDED)
        assert 'href="#id_programmes"' in page  # the error summary links to the field
        assert set(profile.programmes.all()) == {rolling}
        # Someone already supervising in it may still save their profile.
        profile.programmes.add(programme)
        response = client.post(url, {**profile_form(rolling, programme), "capacity": "5"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.capacity == 5
    assert set(profile.programmes.all()) == {rolling, programme}
