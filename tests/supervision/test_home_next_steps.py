"""The home page says what to do next (issue 15): book once an agreement is accepted, join
the next session, confirm a record, give feedback; for a supervisor, requests and logging."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from feedback.models import QuestionKind
from feedback.services.feedback import feedback_submit, questions_for
from supervision.models import Agreement, Session, SessionRecord
from supervision.services.sessions import session_cancel
from tests.factories import AgreementFactory
from tests.scenario import NOW, book, tuesday

pytestmark = pytest.mark.django_db


def _home(client, person, when=NOW):
    with time_machine.travel(when, tick=False):
        client.force_login(person)
        response = client.get(reverse("supervision:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_an_accepted_agreement_with_nothing_booked_says_book_a_session(client, agreement):
    name = escape(agreement.supervisor.get_full_name())  # O'Brien is O&#x27;Brien in the page
    page = _home(client, agreement.supervisee)
    book_url = reverse("supervision:agreement_book", args=[agreement.pk])
    assert f'<a href="{book_url}">{name} accepted — book a session</a>' in page
    book(agreement, tuesday(1, 14))
    assert "accepted — book a session" not in _home(client, agreement.supervisee)


def test_a_cancelled_first_session_asks_again_and_a_proposed_agreement_does_not(client, agreement):
    session = book(agreement, tuesday(1, 14))
    with time_machine.travel(NOW, tick=False):
        session_cancel(actor=agreement.supervisor, session=session, reason="Unwell")
    assert "accepted — book a session" in _home(client, agreement.supervisee)
    Agreement.objects.filter(pk=agreement.pk).update(supervisor_accepted_at=None)
    assert "accepted — book a session" not in _home(client, agreement.supervisee)


def test_the_next_session_shows_its_local_time_and_the_way_to_join(client, agreement):
    session = book(agreement, tuesday(1, 14))
    page = _home(client, agreement.supervisee)
    assert (
        f'href="{session.get_absolute_url()}">Tuesday 1 December 2026, 14:00 to 15:00 GMT' in page
    )
    assert f'href="{session.meeting_link}"' in page
    assert f"Join online ({session.platform})" in page
    supervisor_page = _home(client, agreement.supervisor)
    assert f'href="{session.meeting_link}"' in supervisor_page


def test_a_cancelled_session_is_not_offered_to_join(client, agreement):
    session = book(agreement, tuesday(1, 14))
    with time_machine.travel(NOW, tick=False):
        session_cancel(actor=agreement.supervisee, session=session, reason="Clinic")
    page = _home(client, agreement.supervisee)
    assert session.meeting_link not in page
    assert "Join online" not in page


def test_a_record_to_confirm_links_to_its_session(client, agreement):
    session = book(agreement, tuesday(1, 14))
    SessionRecord.objects.create(session=session, actual_minutes=60)
    page = _home(client, agreement.supervisee, when=tuesday(1, 16))
    assert "Confirm the record of your session on Tuesday 1 December 2026" in page
    assert f'href="{session.get_absolute_url()}"' in page
    SessionRecord.objects.filter(session=session).update(supervisee_confirmed_at=tuesday(1, 17))
    assert "Confirm the record" not in _home(client, agreement.supervisee, when=tuesday(1, 18))


def test_five_records_to_confirm_are_listed_and_the_list_counts_them_all(client, agreement):
    first = datetime.datetime(2026, 10, 6, 14, tzinfo=datetime.UTC)
    for week in range(7):
        starts_at = first + datetime.timedelta(weeks=week)
        session = Session.objects.create(
            programme=agreement.programme,
            agreement=agreement,
            supervisor=agreement.supervisor,
            supervisee=agreement.supervisee,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=1),
            status=Session.Status.ATTENDED,
        )
        SessionRecord.objects.create(session=session, actual_minutes=60)
    page = _home(client, agreement.supervisee)
    assert page.count("Confirm the record of your session on") == 5
    assert "Confirm the record of your session on Tuesday 6 October 2026" in page  # the oldest
    assert "Confirm the record of your session on Tuesday 10 November" not in page  # sixth
    assert f'<a href="{reverse("supervision:sessions")}">All 7 session records to confirm' in page
    SessionRecord.objects.filter(session__starts_at__gt=first).update(supervisee_confirmed_at=NOW)
    page = _home(client, agreement.supervisee)
    assert page.count("Confirm the record of your session on") == 1
    assert "session records to confirm" not in page


def test_feedback_to_give_is_listed_until_given_and_for_a_month(client, agreement):
    session = book(agreement, tuesday(1, 14))
    give_url = reverse("feedback:give_session", args=[session.pk])
    assert give_url not in _home(client, agreement.supervisee)  # not yet held
    assert give_url in _home(client, agreement.supervisee, when=tuesday(1, 16))
    assert give_url not in _home(client, agreement.supervisor, when=tuesday(1, 16))
    a_month_on = tuesday(1, 16) + datetime.timedelta(days=31)
    assert give_url not in _home(client, agreement.supervisee, when=a_month_on)
    with time_machine.travel(tuesday(1, 16), tick=False):
        answers = {
            q: 4 if q.kind == QuestionKind.RATING else "" for q in questions_for(session.programme)
        }
        feedback_submit(author=agreement.supervisee, session=session, answers=answers)
    assert give_url not in _home(client, agreement.supervisee, when=tuesday(1, 17))


def test_a_supervisor_sees_requests_waiting_and_sessions_to_log(
    client, agreement, supervisor, programme, other_supervisee
):
    AgreementFactory(
        programme=programme,
        supervisor=supervisor,
        supervisee=other_supervisee,
        supervisor_accepted_at=None,
    )
    book(agreement, tuesday(1, 14))
    page = _home(client, supervisor, when=tuesday(1, 16))
    assert f"{escape(other_supervisee.get_full_name())} has asked you for supervision" in page
    assert "1 session to log" in page
