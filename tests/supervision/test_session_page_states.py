"""What a session's page offers matches what the session is (issue 15): a past,
unlogged session waits for its record; a cancelled one offers no meeting to join."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from supervision.services.sessions import session_book, session_cancel
from tests.scenario import tuesday

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(agreement):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)):
        return session_book(
            actor=agreement.supervisee,
            programme=agreement.programme,
            supervisor=agreement.supervisor,
            agreement=agreement,
            starts_at=tuesday(1, 14),
        )


def _page(client, person, session, when):
    client.force_login(person)
    with time_machine.travel(when, tick=False):
        return client.get(session.get_absolute_url()).content.decode()


def test_an_ended_unlogged_session_waits_for_its_record(client, booked):
    before = _page(client, booked.supervisee, booked, tuesday(1, 9))
    after = _page(client, booked.supervisee, booked, tuesday(1, 16))
    assert "Booked" in before
    assert "Waiting for the record" not in before
    assert "Waiting for the record" in after
    with time_machine.travel(tuesday(1, 16), tick=False):
        listing = client.get(reverse("supervision:sessions")).content.decode()
    assert "Waiting for the record" in listing


def test_a_cancelled_session_offers_no_meeting_to_join(client, booked):
    with time_machine.travel(datetime.datetime(2026, 11, 24, 9, tzinfo=datetime.UTC)):
        session_cancel(actor=booked.supervisor, session=booked, reason="Unwell")
    booked.refresh_from_db()
    page = _page(
        client, booked.supervisee, booked, datetime.datetime(2026, 11, 24, 10, tzinfo=datetime.UTC)
    )
    assert booked.meeting_link not in page
    assert "Join online" not in page
    assert "no meeting to join" in page
    assert "Remove it from your calendar (.ics)" in page
    assert "Add to your calendar" not in page
