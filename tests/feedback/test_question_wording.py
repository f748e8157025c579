"""A feedback question's wording is what its answers were given under.

Rewording a question people have answered retires it (its answers keep its
words) and asks a new question in its place, so no past rating is ever
relabelled: not in the person's own data, the supervisor's totals, the
engagement report nor its CSV. A question nobody has answered, or a change
of capitals, spaces or punctuation only, is changed in place.
"""

import datetime

import pytest
import time_machine
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from disclosure import round_count
from feedback import personal_data
from feedback.models import FeedbackAnswer, FeedbackQuestion, FeedbackResponse
from feedback.services.feedback import (
    feedback_submit,
    question_create,
    question_set_retired,
    question_update,
    questions_for,
)
from reports.report import engagement_report
from reports.scope import ReportScope
from tests.factories import StaffProfileFactory

from .test_session_feedback import (
    DECEMBER_1,
    OCTOBER,
    form_data,
    make_session,
    respond,
    view_summary,
)

pytestmark = pytest.mark.django_db

SAFE = "I felt safe and able to speak openly"
REWORDED = "I could talk about anything that mattered to me"
REWORDED_ON = datetime.datetime(2026, 11, 2, 10, tzinfo=datetime.UTC)


@pytest.fixture
def crowd(organisation):
    return [StaffProfileFactory(organisation=organisation).user for _ in range(6)]


def safe_question(programme) -> FeedbackQuestion:
    return next(q for q in questions_for(programme) if q.text == SAFE)


@pytest.fixture
def answered(frozen_now, supervisor_profile, supervisor, band7, programme):
    """band7's feedback, rating "I felt safe…" 2."""
    session = make_session(programme, supervisor, band7)
    questions = questions_for(programme)
    answers = {q: (2 if q.text == SAFE else 4) if q.kind == "rating" else "" for q in questions}
    return feedback_submit(author=band7, session=session, answers=answers)


# --- The rule (the service) -----------------------------------------------------


def test_rewording_an_answered_question_keeps_its_answers_under_the_old_words(
    answered, band7, programme, programme_admin
):
    old = safe_question(programme)
    new = question_update(actor=programme_admin, question=old, text=REWORDED)

    assert new.pk != old.pk
    old.refresh_from_db()
    assert old.text == SAFE  # the words band7 answered
    assert old.retired
    assert old.replaced_by == new
    assert (new.text, new.kind, new.position, new.retired) == (REWORDED, "rating", 1, False)
    answer = FeedbackAnswer.objects.get(response=answered, rating=2)
    assert answer.question == old
    assert answer.question.text == SAFE
    # From now on the new words are asked, the old ones not.
    asked = [q.text for q in questions_for(programme)]
    assert asked[0] == REWORDED
    assert SAFE not in asked
    entry = AuditEntry.objects.get(action="feedback_question.reworded")
    assert entry.details == {"programme_id": programme.pk, "replaced_by": new.pk}

    # The person's own record still says what they were asked.
    [given] = personal_data.export_for(band7)["session_feedback"]
    assert {"question": SAFE, "rating": 2, "text": ""} in given["answers"]
    assert REWORDED not in str(given)


def test_a_question_nobody_has_answered_is_reworded_in_place(programme, programme_admin):
    added = question_create(
        actor=programme_admin, programme=programme, text="Was the room private?", kind="rating"
    )
    same = question_update(actor=programme_admin, question=added, text="Was the space private?")
    assert same.pk == added.pk
    added.refresh_from_db()
    assert (added.text, added.retired, added.replaced_by) == ("Was the space private?", False, None)
    assert AuditEntry.objects.filter(action="feedback_question.changed").count() == 1


def test_capitals_spaces_and_punctuation_keep_the_same_question(
    answered, programme, programme_admin
):
    old = safe_question(programme)
    same = question_update(
        actor=programme_admin, question=old, text="  I felt safe, and able to speak openly. "
    )
    assert same.pk == old.pk
    old.refresh_from_db()
    assert old.text == "I felt safe, and able to speak openly."
    assert not old.retired
    assert FeedbackQuestion.objects.filter(programme=programme).count() == 6


def test_a_retired_question_people_answered_keeps_its_words(answered, programme, programme_admin):
    old = safe_question(programme)
    question_set_retired(actor=programme_admin, question=old, retired=True)
    with pytest.raises(ValidationError, match="Add a new question instead"):
        question_update(actor=programme_admin, question=old, text=REWORDED)
    old.refresh_from_db()
    assert old.text == SAFE


def test_an_earlier_wording_is_not_asked_again(answered, programme, programme_admin):
    old = safe_question(programme)
    new = question_update(actor=programme_admin, question=old, text=REWORDED)
    old.refresh_from_db()
    with pytest.raises(ValidationError, match=REWORDED):
        question_set_retired(actor=programme_admin, question=old, retired=False)
    old.refresh_from_db()
    assert old.retired
    # The new wording can itself be reworded: a third question, the second keeps its answers.
    third = question_update(actor=programme_admin, question=new, text="Something else")
    assert third.pk == new.pk  # nobody has answered the new wording yet


def test_answers_to_words_since_changed_are_refused(
    frozen_now, supervisor_profile, supervisor, band7, programme, programme_admin
):
    """The form was built from the old words; the answers arrive after the change."""
    session = make_session(programme, supervisor, band7)
    added = question_create(
        actor=programme_admin, programme=programme, text="Was the room private?", kind="rating"
    )
    shown = questions_for(programme)  # what band7's page showed
    question_update(actor=programme_admin, question=added, text="Was the room too hot?")
    answers = {q: 4 if q.kind == "rating" else "" for q in shown}
    with pytest.raises(ValidationError, match="The questions have changed"):
        feedback_submit(author=band7, session=session, answers=answers)
    assert not FeedbackResponse.objects.exists()


# --- The pages ------------------------------------------------------------------


def test_the_admin_is_told_before_rewording_what_happens_to_past_answers(
    client, answered, programme, programme_admin
):
    old = safe_question(programme)
    unanswered = question_create(
        actor=programme_admin, programme=programme, text="Was the room private?", kind="rating"
    )
    client.force_login(programme_admin)
    warning = (
        "People have already answered this question. Changing its wording will start a new "
        "question in its place; past answers keep the wording they were given under"
    )
    page = client.get(reverse("feedback:question_edit", args=[old.pk])).content.decode()
    assert warning in page
    page = client.get(reverse("feedback:question_edit", args=[unanswered.pk])).content.decode()
    assert warning not in page

    with time_machine.travel(REWORDED_ON, tick=False):
        response = client.post(
            reverse("feedback:question_edit", args=[old.pk]), {"text": REWORDED}, follow=True
        )
    page = response.content.decode()
    assert "Answers already given keep the wording they were given under." in page
    old.refresh_from_db()
    assert old.text == SAFE
    assert old.replaced_by is not None
    assert old.replaced_by.text == REWORDED
    # The list shows the earlier wording as reworded, with nothing to change or restore.
    assert "Asked in these words until 2 November 2026, now as “" + REWORDED + "”" in page
    assert reverse("feedback:question_edit", args=[old.pk]) not in page
    assert reverse("feedback:question_retire", args=[old.pk]) not in page
    assert reverse("feedback:question_edit", args=[old.replaced_by.pk]) in page


def test_restoring_an_earlier_wording_by_posting_is_refused_with_a_message(
    client, answered, programme, programme_admin
):
    old = safe_question(programme)
    question_update(actor=programme_admin, question=old, text=REWORDED)
    client.force_login(programme_admin)
    response = client.post(reverse("feedback:question_retire", args=[old.pk]), follow=True)
    assert "This wording was replaced by" in response.content.decode()
    old.refresh_from_db()
    assert old.retired


def test_the_edit_page_of_a_retired_answered_question_offers_no_form(
    client, answered, programme, programme_admin
):
    old = safe_question(programme)
    question_set_retired(actor=programme_admin, question=old, retired=True)
    client.force_login(programme_admin)
    url = reverse("feedback:question_edit", args=[old.pk])
    page = client.get(url).content.decode()
    assert "its wording stays as it is" in page
    assert "<textarea" not in page
    assert 'name="text"' not in page
    response = client.post(url, {"text": REWORDED})  # straight to the URL
    assert response.status_code == 200
    old.refresh_from_db()
    assert old.text == SAFE
    assert not FeedbackQuestion.objects.filter(text=REWORDED).exists()


def test_a_form_open_while_a_question_was_reworded_asks_again(
    client, frozen_now, supervisor_profile, supervisor, band7, programme, programme_admin
):
    session = make_session(programme, supervisor, band7)
    added = question_create(
        actor=programme_admin, programme=programme, text="Was the room private?", kind="rating"
    )
    url = reverse("feedback:give_session", args=[session.pk])
    client.force_login(band7)
    page = client.get(url)
    assert 'type="hidden" name="asked"' in page.content.decode()
    form = page.context["form"]
    data = form_data(questions_for(programme)) | {"asked": form["asked"].value()}

    question_update(actor=programme_admin, question=added, text="Was the room too hot?")
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The questions changed while you were answering" in page
    assert "Was the room too hot?" in page
    assert not FeedbackResponse.objects.exists()
    # Sent again from the page as it now is, the answers are kept.
    data["asked"] = response.context["form"]["asked"].value()
    assert client.post(url, data).status_code == 302
    assert FeedbackAnswer.objects.get(question=added).question.text == "Was the room too hot?"


def test_supervisor_totals_show_each_wording_apart(
    client, frozen_now, supervisor_profile, supervisor, programme, programme_admin, crowd
):
    """Three people answer the old words in October, three the new ones in November."""
    for person in crowd[:3]:
        respond(person, supervisor, programme, [5, 4, 4, 4], at=OCTOBER)
    with time_machine.travel(REWORDED_ON, tick=False):
        new = question_update(
            actor=programme_admin, question=safe_question(programme), text=REWORDED
        )
    for person in crowd[3:6]:
        respond(person, supervisor, programme, [1, 4, 4, 4], at=REWORDED_ON)

    page = view_summary(client, supervisor, at=DECEMBER_1)
    questions = page.context["summary"].questions
    old_row = next(q for q in questions if q.text == SAFE)
    new_row = next(q for q in questions if q.text == REWORDED)
    assert old_row.reworded
    assert not new_row.reworded
    assert (old_row.count, old_row.mean) == (3, 5.0)
    assert (new_row.count, new_row.mean) == (3, 1.0)
    assert questions.index(old_row) + 1 == questions.index(new_row) == 1
    body = page.content.decode()
    assert "Earlier wording" in body
    assert new.pk == new_row.question_id


def test_the_report_counts_each_wording_under_its_own_words(
    frozen_now, organisation, programme_admin
):
    """Through the report's disclosure control: rounded counts, one row per wording."""
    from tests.reports.small_org import build

    build(organisation)
    old = FeedbackQuestion.objects.get(text="The session was useful")
    given = FeedbackAnswer.objects.filter(question=old).count()
    with time_machine.travel(REWORDED_ON, tick=False):
        new = question_update(actor=programme_admin, question=old, text="The session helped me")
    scope = ReportScope(
        organisation_id=organisation.pk,
        time_zone="Europe/London",
        first_month=datetime.date(2026, 9, 1),
        last_month=datetime.date(2026, 11, 1),
    )
    table = engagement_report(scope, only=["feedback_distribution"]).tables["feedback"]
    rows = {row.key: row for row in table.rows}
    assert rows[old.pk].label == (
        "One-to-one: The session was useful (wording used until 2 Nov 2026)"
    )
    assert rows[new.pk].label == "One-to-one: The session helped me"
    old_total, new_total = rows[old.pk].total, rows[new.pk].total
    assert old_total is not None
    assert old_total.value == round_count(given)
    assert old_total.rounded  # made by disclosure control
    assert new_total is not None
    assert new_total.value == 0
    assert [row.key for row in table.rows].index(new.pk) == (
        [row.key for row in table.rows].index(old.pk) + 1
    )


def test_questions_and_answers_have_no_django_admin_back_door():
    """Questions are reworded only through `question_update`, answers only given."""
    for model in (FeedbackQuestion, FeedbackAnswer, FeedbackResponse):
        assert not admin.site.is_registered(model)
