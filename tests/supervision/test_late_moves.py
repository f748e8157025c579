"""Late cancellation cannot be laundered by moving the session first (issue 15).

Tuesday 1 December 14:00 GMT is booked; on Tuesday morning at 09:00 it is inside
the programme's 24-hour notice. Moving it a week on, then cancelling the moved
session "in time", must still be a late cancellation, unless the programme
refuses such moves altogether.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from supervision.allowances import allowance
from supervision.services.sessions import (
    BookingRefused,
    session_book,
    session_cancel,
    session_reschedule,
)
from tests.scenario import tuesday

pytestmark = pytest.mark.django_db

TUESDAY_MORNING = datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC)  # 5 hours before
A_WEEK_BEFORE = datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)


@pytest.fixture
def session(agreement):
    with time_machine.travel(A_WEEK_BEFORE, tick=False):
        return session_book(
            actor=agreement.supervisee,
            programme=agreement.programme,
            supervisor=agreement.supervisor,
            starts_at=tuesday(1, 14),
            agreement=agreement,
        )


def test_moving_inside_the_notice_then_cancelling_in_time_is_still_late(session, agreement):
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        session_reschedule(actor=agreement.supervisee, session=session, starts_at=tuesday(8, 14))
    session.refresh_from_db()
    assert session.moved_late is True
    # Cancelled three days before the new time: in time, were it not for the move
    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, tzinfo=datetime.UTC), tick=False):
        session_cancel(actor=agreement.supervisee, session=session, reason="Leave")
        session.refresh_from_db()
        assert session.late_cancellation is True
        assert allowance(agreement.programme, agreement.supervisee).used == 1


def test_a_move_in_good_time_leaves_the_session_on_time(session, agreement):
    with time_machine.travel(datetime.datetime(2026, 11, 25, 9, tzinfo=datetime.UTC), tick=False):
        session_reschedule(actor=agreement.supervisee, session=session, starts_at=tuesday(8, 14))
        session_cancel(actor=agreement.supervisee, session=session, reason="Leave")
    session.refresh_from_db()
    assert session.moved_late is False
    assert session.late_cancellation is False


def test_the_supervisors_late_move_never_counts_against_the_supervisee(session, agreement):
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        session_reschedule(actor=agreement.supervisor, session=session, starts_at=tuesday(8, 14))
    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, tzinfo=datetime.UTC), tick=False):
        session_cancel(actor=agreement.supervisee, session=session, reason="Leave")
    session.refresh_from_db()
    assert session.moved_late is False
    assert session.late_cancellation is False


def test_a_programme_can_refuse_late_moves(session, agreement):
    agreement.programme.late_moves_refused = True
    agreement.programme.save()
    with (
        time_machine.travel(TUESDAY_MORNING, tick=False),
        pytest.raises(BookingRefused, match="can no longer be moved"),
    ):
        session_reschedule(actor=agreement.supervisee, session=session, starts_at=tuesday(8, 14))
    session.refresh_from_db()
    assert session.starts_at == tuesday(1, 14)


def test_the_move_page_warns_inside_the_notice(client, session, agreement):
    client.force_login(agreement.supervisee)
    url = reverse("supervision:session_reschedule", kwargs={"pk": session.pk})
    with time_machine.travel(A_WEEK_BEFORE, tick=False):
        assert "Inside the notice period" not in client.get(url).content.decode()
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        page = client.get(url).content.decode()
    assert "Inside the notice period" in page
    assert "stays late" in page


def test_the_move_page_says_why_when_the_programme_refuses(client, session, agreement):
    agreement.programme.late_moves_refused = True
    agreement.programme.save()
    client.force_login(agreement.supervisee)
    url = reverse("supervision:session_reschedule", kwargs={"pk": session.pk})
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == session.get_absolute_url()
    assert "can no longer be moved" in response.content.decode()


def test_booking_states_the_late_cancellation_rule(client, agreement, frozen_now):
    client.force_login(agreement.supervisee)
    page = client.get(reverse("supervision:agreement_book", kwargs={"pk": agreement.pk}))
    assert "Cancelling less than 24 hours before a session counts as a late" in (
        page.content.decode()
    )
