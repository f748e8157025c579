"""The session page offers feedback after the session and then shows the supervisee's own
answers (issue 15); the supervisor is never shown them (DESIGN.md, Confidentiality)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from feedback.models import FeedbackResponse, QuestionKind
from feedback.permissions import own_answers
from feedback.services.feedback import feedback_submit, questions_for
from supervision.models import Session
from supervision.services.sessions import session_cancel
from tests.scenario import book, tuesday

pytestmark = pytest.mark.django_db

SECRET = "My manager shouted at me on the ward"
AFTER = tuesday(1, 16)  # the session below runs 14:00 to 15:00


@pytest.fixture
def booked(agreement):
    return book(agreement, tuesday(1, 14))


def _page(client, person, session, when=AFTER):
    client.force_login(person)
    with time_machine.travel(when, tick=False):
        response = client.get(session.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _give(session, ratings=(5, 4, 3, 2), text=SECRET):
    with time_machine.travel(AFTER, tick=False):
        values = iter(ratings)
        answers = {
            q: next(values) if q.kind == QuestionKind.RATING else text
            for q in questions_for(session.programme)
        }
        return feedback_submit(author=session.supervisee, session=session, answers=answers)


def test_the_supervisee_is_offered_feedback_once_the_session_has_ended(client, booked):
    give_url = reverse("feedback:give_session", args=[booked.pk])
    before = _page(client, booked.supervisee, booked, when=tuesday(1, 14, month=12))
    after = _page(client, booked.supervisee, booked)
    assert "Give feedback" not in before
    assert give_url not in before
    assert "Give feedback" in after
    assert f'href="{give_url}"' in after


def test_a_cancelled_or_missed_session_offers_no_feedback(client, booked):
    with time_machine.travel(datetime.datetime(2026, 11, 24, 9, tzinfo=datetime.UTC)):
        session_cancel(actor=booked.supervisor, session=booked, reason="Unwell")
    assert "Give feedback" not in _page(client, booked.supervisee, booked)
    Session.objects.filter(pk=booked.pk).update(
        status=Session.Status.DID_NOT_ATTEND, cancelled_at=None
    )
    booked.refresh_from_db()
    assert "Give feedback" not in _page(client, booked.supervisee, booked)


def test_the_supervisor_is_never_offered_the_form_nor_shown_the_answers(client, booked):
    assert "Give feedback" not in _page(client, booked.supervisor, booked)
    _give(booked)
    page = _page(client, booked.supervisor, booked)
    assert "Your feedback" not in page
    assert SECRET not in page
    assert "out of 5" not in page


def test_once_given_the_page_shows_the_supervisees_own_answers(client, booked):
    _give(booked, ratings=(5, 4, 3, 2))
    page = _page(client, booked.supervisee, booked)
    assert "Your feedback" in page
    assert "Give feedback" not in page
    assert SECRET in page
    assert "I felt safe and able to speak openly" in page
    for rating in (5, 4, 3, 2):
        assert f"{rating} out of 5" in page


def test_sending_feedback_leads_back_to_the_session_page_with_the_answers(client, booked):
    client.force_login(booked.supervisee)
    data = {}
    for question in questions_for(booked.programme):
        data[f"question_{question.pk}"] = "4" if question.kind == QuestionKind.RATING else SECRET
    with time_machine.travel(AFTER, tick=False):
        response = client.post(
            reverse("feedback:give_session", args=[booked.pk]), data, follow=True
        )
    assert response.redirect_chain[-1][0] == booked.get_absolute_url()
    page = response.content.decode()
    assert "Thank you for your feedback." in page
    assert "Your feedback" in page
    assert SECRET in page


def test_the_answers_are_fetched_by_their_author_only(booked):
    assert own_answers(booked.supervisee, session=booked) is None  # none given yet
    _give(booked, ratings=(5, 4, 3, 2))
    assert own_answers(booked.supervisor, session=booked) is None
    rows = own_answers(booked.supervisee, session=booked)
    assert rows is not None
    assert [row["answer"] for row in rows] == [
        "5 out of 5",
        "4 out of 5",
        "3 out of 5",
        "2 out of 5",
        SECRET,
        SECRET,
    ]


def test_feedback_that_holds_no_answers_is_still_feedback_given(client, booked):
    """A response whose questions were all left blank: the page says it was given (and
    offers no second form), with no rows; the form's page says the same."""
    FeedbackResponse.objects.create(
        author=booked.supervisee, programme=booked.programme, session=booked
    )
    assert own_answers(booked.supervisee, session=booked) == []
    page = _page(client, booked.supervisee, booked)
    assert "Your feedback" in page
    assert "Give feedback" not in page
    with time_machine.travel(AFTER, tick=False):
        give = client.get(reverse("feedback:give_session", args=[booked.pk])).content.decode()
    assert "You have given feedback on this session" in give
    assert "Send feedback" not in give
