"""The supervisor directory says which supervisors offer times: a one-off slot still
ahead or a weekly window not yet ended, on the page and under the "available" filter."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from supervision.models import AvailabilitySlot, Mode

from ..factories import StaffProfileFactory, SupervisorProfileFactory, WeeklyAvailabilityFactory

pytestmark = pytest.mark.django_db


def test_only_supervisors_with_times_still_ahead_are_said_to_offer_times(
    client, organisation, programme, band7
):
    now = timezone.now()
    today = timezone.localdate()

    def supervisor(name):
        user = StaffProfileFactory(organisation=organisation, user__last_name=name).user
        SupervisorProfileFactory(user=user, programmes=[programme])
        return user

    one_off = supervisor("Adeyemi")
    AvailabilitySlot.objects.create(
        supervisor=one_off,
        starts_at=now + datetime.timedelta(days=2),
        ends_at=now + datetime.timedelta(days=2, hours=1),
        mode=Mode.ONLINE,
        meeting_link="https://teams.microsoft.com/l/meetup-join/abc",
    )
    weekly = supervisor("Byrne")
    WeeklyAvailabilityFactory(supervisor=weekly, valid_until=None)
    ended = supervisor("Chowdhury")  # a window that ended and a slot that has passed
    WeeklyAvailabilityFactory(supervisor=ended, valid_until=today - datetime.timedelta(days=1))
    AvailabilitySlot.objects.create(
        supervisor=ended,
        starts_at=now - datetime.timedelta(days=2),
        ends_at=now - datetime.timedelta(days=2) + datetime.timedelta(hours=1),
        mode=Mode.ONLINE,
        meeting_link="https://teams.microsoft.com/l/meetup-join/abc",
    )
    supervisor("Doyle")  # nothing at all
    client.force_login(band7)
    url = reverse("supervision:supervisors")

    html = client.get(url).content.decode()
    assert "4 supervisors" in html
    assert html.count("No times offered yet") == 2
    available = client.get(url, {"available": "on"}).content.decode()
    assert "2 supervisors" in available
    assert "No times offered yet" not in available
    for user in (one_off, weekly):
        assert escape(user.get_full_name()) in available
    assert escape(ended.get_full_name()) not in available
