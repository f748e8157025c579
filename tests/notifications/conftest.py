import pytest
from django.core import mail

from supervision.services.sessions import session_book
from tests.outbox import deliver_due
from tests.scenario import tuesday


@pytest.fixture
def booked(frozen_now, agreement):
    """A session booked for Tuesday 1 December, its booking emails already sent."""
    session = session_book(
        actor=agreement.supervisee,
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        agreement=agreement,
        starts_at=tuesday(1, 14),
    )
    deliver_due()
    mail.outbox.clear()
    return session
