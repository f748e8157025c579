"""The booking page offers only what the booking will accept (issue 15): with no allowance
left it says so before any time; whoever loses a race for a time gets a fresh list with
that time gone, a clear message and the allowance as it is."""

import datetime
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from kernel.models import Band, PeriodKind
from supervision.availability import Slot
from supervision.models import Session
from supervision.views.booking import pick_slot
from tests.factories import AgreementFactory, StaffProfileFactory
from tests.scenario import NOW, book, tuesday

pytestmark = pytest.mark.django_db

TAKEN = "That time has just been booked by someone else. Choose another time."


def key(starts_at) -> str:
    return Slot(starts_at, starts_at, "online", "", "").key


def offered(page: str) -> list[str]:
    return re.findall(r'name="slot" type="radio" value="([^"]+)"', page)


def _get(client, agreement):
    client.force_login(agreement.supervisee)
    response = client.get(reverse("supervision:agreement_book", args=[agreement.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def rival(agreement, programme, organisation):
    """Another nurse in an agreement with the same supervisor."""
    return AgreementFactory(
        programme=programme,
        supervisor=agreement.supervisor,
        supervisee=StaffProfileFactory(organisation=organisation, band=Band.BAND_7).user,
    )


def test_the_page_offers_times_and_says_what_is_left(client, agreement, frozen_now):
    page = _get(client, agreement)
    assert "2 of 2 sessions left until 31 March 2027" in page
    assert key(tuesday(1, 14)) in offered(page)
    assert "You have no sessions left" not in page


def test_with_no_allowance_left_the_page_says_so_and_offers_no_time(client, agreement, frozen_now):
    book(agreement, tuesday(1, 14))
    book(agreement, tuesday(8, 14))
    page = _get(client, agreement)
    assert "You have no sessions left" in page
    assert "You have used all 2 of your sessions" in page
    assert "31 March 2027" in page
    assert "programme admin can grant an extra session" in page
    assert offered(page) == []
    assert "Book this session" not in page
    # Said before the rule about cancelling, not after an attempt
    assert page.index("You have no sessions left") < page.index("Sessions last 60 minutes")


def test_times_after_the_period_ends_are_not_offered(client, agreement, programme, frozen_now):
    programme.period_end = datetime.date(2026, 12, 10)
    programme.save()
    page = _get(client, agreement)
    assert key(tuesday(8, 14)) in offered(page)
    assert key(tuesday(15, 14)) not in offered(page)


def test_on_a_rolling_window_times_come_back_once_the_oldest_session_drops_out(
    client, agreement, programme, frozen_now
):
    programme.period_kind = PeriodKind.ROLLING
    programme.period_start = programme.period_end = None
    programme.save()
    # Used up: one held a year ago next Monday, one last month.
    for starts in (datetime.datetime(2025, 11, 30, 14, tzinfo=datetime.UTC), NOW.replace(day=3)):
        Session.objects.create(
            programme=programme,
            agreement=agreement,
            supervisor=agreement.supervisor,
            supervisee=agreement.supervisee,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            status=Session.Status.ATTENDED,
        )
    page = _get(client, agreement)
    assert "Your next session becomes available on 30 November 2026" in page
    times = offered(page)
    assert key(tuesday(24, 14, month=11)) not in times
    assert key(tuesday(1, 14)) in times
    book(agreement, tuesday(1, 14))  # and the booking accepts what was offered


def test_the_loser_of_a_race_sees_the_time_gone_and_the_allowance_as_it_is(
    client, agreement, rival, frozen_now
):
    _get(client, agreement)  # the list, with 1 December 14:00 on it
    book(rival, tuesday(1, 14))  # someone else is quicker
    response = client.post(
        reverse("supervision:agreement_book", args=[agreement.pk]), {"slot": key(tuesday(1, 14))}
    )
    assert response.status_code == 200
    page = response.content.decode()
    summary = page[page.index("nhsuk-error-summary") :]
    assert TAKEN in summary
    assert key(tuesday(1, 14)) not in offered(page)
    assert key(tuesday(1, 15)) in offered(page)
    assert "2 of 2 sessions left until 31 March 2027" in page
    assert not Session.objects.filter(supervisee=agreement.supervisee).exists()


def test_a_time_taken_while_booking_is_refused_with_a_fresh_list(agreement, rival, frozen_now):
    """The race lost inside the booking itself: the page is drawn again afterwards."""

    def book_after_the_rival(starts_at, reason):
        book(rival, starts_at)  # commits first, between the list and this booking
        return book(agreement, starts_at)

    request = RequestFactory().post("/", {"slot": key(tuesday(1, 14))})
    request.user = agreement.supervisee
    response = pick_slot(
        request,
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        supervisee=agreement.supervisee,
        context={"title": "Book", "back_url": "/", "success_message": "", "button": "Book"},
        book=book_after_the_rival,
    )
    page = response.content.decode()
    assert TAKEN in page
    assert key(tuesday(1, 14)) not in offered(page)
    assert key(tuesday(1, 15)) in offered(page)
    assert "2 of 2 sessions left until 31 March 2027" in page


def test_a_time_gone_for_another_reason_says_no_longer_free(client, agreement, frozen_now):
    from supervision.models import AvailabilityException

    AvailabilityException.objects.create(
        supervisor=agreement.supervisor, starts_at=tuesday(1, 13), ends_at=tuesday(1, 17)
    )
    client.force_login(agreement.supervisee)
    page = client.post(
        reverse("supervision:agreement_book", args=[agreement.pk]), {"slot": key(tuesday(1, 14))}
    ).content.decode()
    assert "That time is no longer free. Choose another time." in page
    assert TAKEN not in page
