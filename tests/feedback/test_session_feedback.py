"""Session feedback: its author's alone; whoever ran the session sees totals of 3 or more."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from feedback.models import FeedbackAnswer, FeedbackQuestion, FeedbackResponse, QuestionKind
from feedback.services.feedback import feedback_submit, questions_for
from peergroups.models import Attendance, Group, GroupSession, Membership
from supervision.models import Band, Session
from supervision.notifications import plan_follow_ups
from tests.factories import StaffProfileFactory
from tests.outbox import deliver_due
from tests.scenario import NOW, tuesday

pytestmark = pytest.mark.django_db

SECRET = "My manager shouted at me on the ward"


def make_session(programme, supervisor, supervisee, *, days_ago=3, **kwargs):
    starts = NOW - datetime.timedelta(days=days_ago)
    return Session.objects.create(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        status=kwargs.pop("status", Session.Status.ATTENDED),
        meeting_link="https://teams.microsoft.com/l/meetup-join/abc",
        **kwargs,
    )


@pytest.fixture
def attended(frozen_now, supervisor_profile, supervisor, band7, programme):
    return make_session(programme, supervisor, band7)


def form_data(questions, rating=4, text=SECRET):
    data = {}
    for question in questions:
        if question.kind == QuestionKind.RATING:
            data[f"question_{question.pk}"] = str(rating)
        else:
            data[f"question_{question.pk}"] = text
    return data


def give(client, user, session, **kwargs):
    client.force_login(user)
    questions = questions_for(session.programme)
    return client.post(
        reverse("feedback:give_session", args=[session.pk]), form_data(questions, **kwargs)
    )


def submit(author, session, ratings, text=SECRET):
    """Feedback through the service: rating questions in order get `ratings`."""
    questions = questions_for(session.programme)
    values = iter(ratings)
    answers = {q: next(values) if q.kind == QuestionKind.RATING else text for q in questions}
    return feedback_submit(author=author, session=session, answers=answers)


# --- Giving feedback ----------------------------------------------------------


def test_supervisee_gives_feedback_after_an_attended_session(client, attended, band7):
    client.force_login(band7)
    url = reverse("feedback:give_session", args=[attended.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "I felt safe and able to speak openly" in body
    assert 'type="radio"' in body
    assert "<textarea" in body

    response = give(client, band7, attended, rating=5)
    assert response.status_code == 302
    feedback = FeedbackResponse.objects.get(author=band7, session=attended)
    assert feedback.supervisor == attended.supervisor
    assert sorted(feedback.answers.exclude(rating=None).values_list("rating", flat=True)) == [5] * 4
    # Encrypted at rest, so compared after decryption rather than in SQL.
    assert [a.text for a in feedback.answers.all()].count(SECRET) == 2

    thanks = client.get(url).content.decode()
    assert "Thank you" in thanks
    assert '<form method="post"' not in thanks
    # The audit trail says feedback was given, never what it said.
    entry = AuditEntry.objects.get(action="feedback.given")
    assert SECRET not in str(entry.details) + entry.summary
    assert entry.details["session_id"] == attended.pk


def test_a_second_submission_is_refused_without_an_error_page(client, attended, band7):
    give(client, band7, attended, rating=5)
    again = give(client, band7, attended, rating=1)
    assert again.status_code == 200
    assert "already given feedback" in again.content.decode()
    assert FeedbackResponse.objects.filter(author=band7).count() == 1
    assert not FeedbackAnswer.objects.filter(rating=1).exists()


def test_every_rating_is_required_and_text_is_optional(client, attended, band7):
    client.force_login(band7)
    questions = questions_for(attended.programme)
    data = form_data(questions, text="")
    first_rating = next(q for q in questions if q.kind == QuestionKind.RATING)
    data[f"question_{first_rating.pk}"] = "9"
    page = client.post(reverse("feedback:give_session", args=[attended.pk]), data)
    assert page.status_code == 200
    assert "Choose a rating from 1 to 5." in page.content.decode()
    assert not FeedbackResponse.objects.exists()

    data[f"question_{first_rating.pk}"] = "2"
    assert (
        client.post(reverse("feedback:give_session", args=[attended.pk]), data).status_code == 302
    )
    assert FeedbackAnswer.objects.filter(rating__isnull=False).count() == 4
    assert not FeedbackAnswer.objects.filter(rating__isnull=True).exists()


def test_only_the_supervisee_may_open_the_form(client, attended, supervisee, supervisor):
    url = reverse("feedback:give_session", args=[attended.pk])
    assert client.get(url).status_code == 302  # anonymous: sign in
    client.force_login(supervisee)
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    client.force_login(supervisor)
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


def test_no_feedback_before_the_session_or_after_a_cancellation(
    client, frozen_now, supervisor_profile, supervisor, band7, programme
):
    upcoming = make_session(programme, supervisor, band7, days_ago=-7, status="booked")
    missed = make_session(programme, supervisor, band7, days_ago=10, status="did_not_attend")
    client.force_login(band7)
    for session in (upcoming, missed):
        url = reverse("feedback:give_session", args=[session.pk])
        page = client.get(url)
        assert page.status_code == 200
        assert "once the session has taken place" in page.content.decode()
        client.post(url, form_data(questions_for(programme)))
    assert not FeedbackResponse.objects.exists()


# --- What the supervisor sees ---------------------------------------------------


@pytest.fixture
def three_supervisees(organisation):
    return [
        StaffProfileFactory(organisation=organisation, band=Band.BAND_7, user__first_name=name).user
        for name in ("Aisha", "Bronwen", "Chidi")
    ]


def test_supervisor_sees_totals_only_from_three_responses(
    client, frozen_now, supervisor_profile, supervisor, programme, three_supervisees
):
    sessions = [
        make_session(programme, supervisor, person, days_ago=3 + i)
        for i, person in enumerate(three_supervisees)
    ]
    submit(three_supervisees[0], sessions[0], [5, 4, 3, 5], text="Aisha's own words")
    submit(three_supervisees[1], sessions[1], [4, 4, 3, 5], text="Bronwen's own words")
    client.force_login(supervisor)
    url = reverse("feedback:summary")
    page = client.get(url).content.decode()
    assert "Feedback appears once at least 3 people have responded" in page
    assert "felt safe" not in page

    submit(three_supervisees[2], sessions[2], [3, 1, 3, 5], text="Chidi's own words")
    page = client.get(url)
    assert page.status_code == 200
    summary = page.context["summary"]
    assert summary.responses == 3
    safe, useful, _change, overall = summary.questions
    assert safe.count == 3
    assert safe.mean == 4.0
    assert safe.distribution == ((1, 0), (2, 0), (3, 1), (4, 1), (5, 1))
    assert useful.mean == 3.0
    assert useful.distribution == ((1, 1), (2, 0), (3, 0), (4, 2), (5, 0))
    assert overall.distribution == ((1, 0), (2, 0), (3, 0), (4, 0), (5, 3))
    assert len(summary.questions) == 4  # ratings only: free text is never totalled
    body = page.content.decode()
    assert "I felt safe and able to speak openly" in body
    for private in ("own words", "Aisha", "Bronwen", "Chidi", "What helped?"):
        assert private not in body


def test_supervisor_totals_cover_only_their_own_sessions(
    client, frozen_now, supervisor_profile, supervisor, programme, three_supervisees, organisation
):
    from tests.factories import RoleGrantFactory

    other = StaffProfileFactory(organisation=organisation).user
    RoleGrantFactory(user=other, organisation=organisation, role="supervisor")
    for i, person in enumerate(three_supervisees):
        submit(person, make_session(programme, supervisor, person, days_ago=3 + i), [5, 5, 5, 5])
    client.force_login(other)
    page = client.get(reverse("feedback:summary")).content.decode()
    assert "Feedback appears once at least 3 people have responded" in page


def test_summary_is_for_supervisors_and_facilitators(client, supervisee, wellbeing_lead):
    assert client.get(reverse("feedback:summary")).status_code == 302
    for person in (supervisee, wellbeing_lead):
        client.force_login(person)
        assert client.get(reverse("feedback:summary")).status_code == 403


def test_summary_query_count_does_not_grow_with_responses(
    client, frozen_now, supervisor_profile, supervisor, programme, organisation
):
    def queries():
        client.force_login(supervisor)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("feedback:summary")).status_code == 200
        return len(captured)

    people = [StaffProfileFactory(organisation=organisation).user for _ in range(8)]
    for i, person in enumerate(people[:3]):
        submit(person, make_session(programme, supervisor, person, days_ago=3 + i), [4, 4, 4, 4])
    few = queries()
    for i, person in enumerate(people[3:]):
        submit(person, make_session(programme, supervisor, person, days_ago=10 + i), [2, 3, 4, 5])
    assert queries() == few


# --- Group meetings --------------------------------------------------------------


@pytest.fixture
def meeting(frozen_now, organisation, programme, facilitator):
    group = Group.objects.create(
        programme=programme,
        organisation=organisation,
        name="Preceptorship group",
        group_type="preceptorship",
        weekday=1,
        start_time=datetime.time(14),
        end_time=datetime.time(15),
        starts_on=datetime.date(2026, 11, 1),
    )
    group.facilitators.add(facilitator)
    starts = NOW - datetime.timedelta(days=2)
    return GroupSession.objects.create(
        group=group,
        occurrence=starts.date(),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )


def test_present_members_give_feedback_on_a_meeting_and_facilitators_see_totals(
    client, meeting, facilitator, organisation, supervisee
):
    members = [StaffProfileFactory(organisation=organisation).user for _ in range(3)]
    for person in [*members, supervisee]:
        Membership.objects.create(group=meeting.group, user=person, state="active")
    for person in members:
        Attendance.objects.create(session=meeting, user=person, status="present")
    Attendance.objects.create(session=meeting, user=supervisee, status="absent")
    url = reverse("feedback:give_meeting", args=[meeting.pk])
    questions = questions_for(meeting.group.programme)
    for person in members:
        client.force_login(person)
        assert client.post(url, form_data(questions, rating=3)).status_code == 302
    client.force_login(supervisee)  # a member, but not there
    assert client.get(url).status_code == 404
    client.force_login(facilitator)
    assert client.get(url).status_code == 403
    page = client.get(reverse("feedback:summary"))
    assert page.context["summary"].responses == 3
    assert SECRET not in page.content.decode()


# --- Questions (programme admins) ----------------------------------------------


def test_admin_adds_reorders_and_retires_questions(
    client, attended, band7, programme, programme_admin
):
    give(client, band7, attended, rating=4)  # answers to keep
    client.force_login(programme_admin)
    url = reverse("feedback:questions", args=[programme.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"text": "Was the room private?", "kind": "rating"}).status_code == 302
    added = FeedbackQuestion.objects.get(text="Was the room private?")
    assert list(programme.feedback_questions.values_list("pk", flat=True)).index(added.pk) == 6

    client.post(reverse("feedback:question_move", args=[added.pk]), {"direction": "up"})
    texts = list(programme.feedback_questions.values_list("text", flat=True))
    assert texts[5:] == ["Was the room private?", "What could be better?"]
    assert (
        client.post(
            reverse("feedback:question_move", args=[added.pk]), {"direction": "sideways"}
        ).status_code
        == 302
    )

    safe = FeedbackQuestion.objects.get(programme=programme, position=1)
    client.post(reverse("feedback:question_retire", args=[safe.pk]))
    safe.refresh_from_db()
    assert safe.retired
    assert safe not in questions_for(programme)
    assert FeedbackAnswer.objects.filter(question=safe, rating=4).count() == 1
    assert "Retired" in client.get(url).content.decode()

    edit = reverse("feedback:question_edit", args=[added.pk])
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"text": ""}).status_code == 200
    client.post(edit, {"text": "Was the space private?"})
    added.refresh_from_db()
    assert added.text == "Was the space private?"

    # The supervisee's next form asks the new question and not the retired one.
    later = make_session(programme, attended.supervisor, band7, days_ago=1)
    client.force_login(band7)
    form = client.get(reverse("feedback:give_session", args=[later.pk])).content.decode()
    assert "Was the space private?" in form
    assert "I felt safe and able to speak openly" not in form

    client.force_login(programme_admin)
    client.post(reverse("feedback:question_retire", args=[safe.pk]))
    safe.refresh_from_db()
    assert not safe.retired


def test_question_pages_are_for_this_organisations_programme_admins(
    client, programme, supervisee, supervisor, outsider, programme_admin
):
    question = questions_for(programme)[0]
    urls = [
        ("get", reverse("feedback:questions", args=[programme.pk])),
        ("get", reverse("feedback:question_edit", args=[question.pk])),
        ("post", reverse("feedback:question_move", args=[question.pk])),
        ("post", reverse("feedback:question_retire", args=[question.pk])),
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 302  # anonymous
    for person, status in ((supervisee, 403), (supervisor, 403), (outsider, 404)):
        client.force_login(person)
        for method, url in urls:
            assert getattr(client, method)(url).status_code == status, (person, url)
    client.force_login(programme_admin)
    assert client.get(reverse("feedback:question_move", args=[question.pk])).status_code == 405
    question.refresh_from_db()
    assert not question.retired


def test_question_list_query_count_does_not_grow(client, programme, programme_admin):
    url = reverse("feedback:questions", args=[programme.pk])
    client.force_login(programme_admin)
    client.get(url)  # seeds the defaults

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for i in range(10):
        FeedbackQuestion.objects.create(programme=programme, text=f"Q{i}", kind="text", position=9)
    assert queries() == few


# --- The prompt -------------------------------------------------------------------


def test_the_feedback_prompt_links_to_the_form(
    frozen_now, supervisor_profile, supervisor, band7, programme
):
    session = Session.objects.create(
        programme=programme,
        supervisor=supervisor,
        supervisee=band7,
        starts_at=tuesday(1, 14),
        ends_at=tuesday(1, 15),
        meeting_link="https://teams.microsoft.com/l/meetup-join/abc",
    )
    plan_follow_ups(session, NOW)
    with time_machine.travel(tuesday(1, 15) + datetime.timedelta(minutes=5), tick=False):
        deliver_due()
    prompts = [m for m in mail.outbox if m.subject.startswith("How was your supervision")]
    assert len(prompts) == 1
    assert prompts[0].to == [band7.email]
    assert reverse("feedback:give_session", args=[session.pk]) in prompts[0].body


# --- Every URL as every kind of user -------------------------------------------------

MATRIX = {
    # url name: statuses for anonymous, supervisee (the participant), supervisor (who ran
    # the one-to-one), facilitator (who ran the meeting), peer_supporter, programme_admin,
    # wellbeing_lead, outsider (a programme admin elsewhere)
    "give_session": (302, 200, 403, 404, 404, 404, 404, 404),
    "give_meeting": (302, 200, 404, 403, 404, 404, 404, 404),
    "summary": (302, 403, 200, 200, 403, 403, 403, 403),
    "questions": (302, 403, 403, 403, 403, 200, 403, 404),
    "question_edit": (302, 403, 403, 403, 403, 200, 403, 404),
    "question_move": (302, 403, 403, 403, 403, 302, 403, 404),
    "question_retire": (302, 403, 403, 403, 403, 302, 403, 404),
}
ROLES = (
    "anonymous",
    "supervisee",
    "supervisor",
    "facilitator",
    "peer_supporter",
    "programme_admin",
    "wellbeing_lead",
    "outsider",
)


@pytest.mark.parametrize("name", MATRIX)
def test_url_matrix(client, name, role_users, meeting, programme, supervisee, supervisor):
    session = make_session(programme, supervisor, supervisee)
    Attendance.objects.create(session=meeting, user=supervisee, status="present")
    question = questions_for(programme)[0]
    args = {
        "give_session": [session.pk],
        "give_meeting": [meeting.pk],
        "summary": [],
        "questions": [programme.pk],
    }.get(name, [question.pk])
    url = reverse(f"feedback:{name}", args=args)
    post_only = name in ("question_move", "question_retire")
    for role, expected in zip(ROLES, MATRIX[name], strict=True):
        client.logout()
        if role_users[role] is not None:
            client.force_login(role_users[role])
        response = client.post(url, {"direction": "down"}) if post_only else client.get(url)
        assert response.status_code == expected, role
