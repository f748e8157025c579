"""Session feedback: its author's alone; whoever ran the session sees totals in batches.

Totals are released a calendar month at a time (in the organisation's time
zone), once at least 3 different people stand behind a batch, so the page
never changes as a single response arrives.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import disclosure
from audit.models import AuditEntry
from feedback.aggregates import rating_summary
from feedback.models import FeedbackAnswer, FeedbackQuestion, FeedbackResponse, QuestionKind
from feedback.permissions import responses_on_sessions_supervised_by
from feedback.services.feedback import feedback_submit, questions_for
from kernel.models import Band
from peergroups.models import Attendance, Group, GroupSession, Membership
from supervision.models import Session
from supervision.notifications import plan_follow_ups
from tests.factories import StaffProfileFactory
from tests.outbox import deliver_due
from tests.scenario import NOW, tuesday

pytestmark = pytest.mark.django_db

SECRET = "My manager shouted at me on the ward"


def make_session(programme, supervisor, supervisee, *, days_ago=3, starts=None, **kwargs):
    starts = starts or NOW - datetime.timedelta(days=days_ago)
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
    assert list(feedback.answers.exclude(rating=None).values_list("rating", flat=True)) == [5] * 4
    # Encrypted at rest, so compared after decryption rather than in SQL.
    assert [a.text for a in feedback.answers.all()].count(SECRET) == 2

    thanks = client.get(url).content.decode()
    assert "Thank you" in thanks
    assert '<form method="post"' not in thanks
    # The audit trail says feedback was given, never what it said.
    entry = AuditEntry.objects.get(action="feedback.given")
    assert SECRET not in str(entry.details) + entry.summary
    assert entry.details["session_id"] == attended.pk


def test_the_form_says_how_totals_are_released(client, settings, attended, band7):
    client.force_login(band7)
    url = reverse("feedback:give_session", args=[attended.pk])
    body = client.get(url).content.decode()
    assert (
        "Whoever ran the session sees only totals of the ratings, released a month at a time "
        "once at least 3 different people have responded, and never who said what." in body
    )
    assert "once at least 3 people have responded" not in body
    settings.FEEDBACK_MINIMUM_RESPONDENTS = 5
    assert "once at least 5 different people have responded" in client.get(url).content.decode()


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
    assert "Select a rating from 1 to 5 for" in page.content.decode()
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

SUMMARY = reverse("feedback:summary")
LONDON = zoneinfo.ZoneInfo("Europe/London")
# NOW is Monday 23 November 2026, London time = UTC: October has ended, November has not.
OCTOBER = datetime.datetime(2026, 10, 14, 12, tzinfo=datetime.UTC)
DECEMBER_1 = datetime.datetime(2026, 12, 1, 0, 1, tzinfo=datetime.UTC)  # November has ended
JANUARY_1 = datetime.datetime(2027, 1, 1, 0, 1, tzinfo=datetime.UTC)
NOTHING_YET = "No feedback has been released to you yet."
BATCHES = (
    "Feedback is released a month at a time, once at least 3 different people have responded "
    "since the last release, so these totals do not change as single responses arrive. "
    "Responses since then will appear at the next release."
)


def respond(author, supervisor, programme, ratings, *, at, text=SECRET):
    """`author`'s feedback given at `at`, on a session of their own that ended before it."""
    session = make_session(programme, supervisor, author, starts=at - datetime.timedelta(hours=3))
    with time_machine.travel(at, tick=False):
        return submit(author, session, ratings, text=text)


def view_summary(client, user, at=NOW):
    """The summary page as `user` sees it at `at` (signed in then: sessions time out)."""
    with time_machine.travel(at, tick=False):
        client.force_login(user)
        return client.get(SUMMARY)


def main(page) -> str:
    """Everything the page says: the part an attacker would compare between visits."""
    body = page.content.decode()
    return body[body.index("<main") : body.index("</main>")]


@pytest.fixture
def three_supervisees(organisation):
    return [
        StaffProfileFactory(organisation=organisation, band=Band.BAND_7, user__first_name=name).user
        for name in ("Aisha", "Bronwen", "Chidi")
    ]


@pytest.fixture
def crowd(organisation):
    """Ten more people who could give feedback."""
    return [
        StaffProfileFactory(organisation=organisation, band=Band.BAND_7).user for _ in range(10)
    ]


def test_three_people_in_a_month_are_shown_once_the_month_has_ended(
    client, frozen_now, supervisor_profile, supervisor, programme, three_supervisees
):
    sessions = [
        make_session(programme, supervisor, person, days_ago=3 + i)
        for i, person in enumerate(three_supervisees)
    ]
    submit(three_supervisees[0], sessions[0], [5, 4, 3, 5], text="Aisha's own words")
    submit(three_supervisees[1], sessions[1], [4, 4, 3, 5], text="Bronwen's own words")
    page = view_summary(client, supervisor)
    assert page.context["summary"] is None
    assert NOTHING_YET in page.content.decode()
    assert "at least 3 different people have responded" in page.content.decode()
    assert "felt safe" not in page.content.decode()

    submit(three_supervisees[2], sessions[2], [3, 1, 3, 5], text="Chidi's own words")
    # Three people, but November is still running: nothing yet, up to its last minute.
    for moment in (NOW, datetime.datetime(2026, 11, 30, 23, 59, tzinfo=datetime.UTC)):
        page = view_summary(client, supervisor, at=moment)
        assert page.context["summary"] is None
        assert NOTHING_YET in page.content.decode()

    page = view_summary(client, supervisor, at=DECEMBER_1)
    assert page.status_code == 200
    summary = page.context["summary"]
    assert (summary.people, summary.responses) == (3, 3)
    assert summary.up_to == datetime.date(2026, 11, 30)
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
    assert "Ratings given up to 30 November 2026, from 3 people" in body
    assert BATCHES in body
    assert NOTHING_YET not in body
    for private in ("own words", "Aisha", "Bronwen", "Chidi", "What helped?"):
        assert private not in body


def test_four_responses_from_two_people_show_nothing(
    client, frozen_now, supervisor_profile, supervisor, programme, three_supervisees
):
    aisha, bronwen, _ = three_supervisees
    for day, person in enumerate((aisha, bronwen, aisha, bronwen)):
        respond(person, supervisor, programme, [5, 5, 5, 5], at=OCTOBER + datetime.timedelta(day))
    assert responses_on_sessions_supervised_by(supervisor).count() == 4

    for moment in (NOW, DECEMBER_1, JANUARY_1):  # October has long ended
        page = view_summary(client, supervisor, at=moment)
        assert page.context["summary"] is None
        assert NOTHING_YET in page.content.decode()
    # The totals themselves count people, not responses.
    assert rating_summary(responses_on_sessions_supervised_by(supervisor)) is None


def test_a_single_new_response_never_changes_the_page(
    client, frozen_now, supervisor_profile, supervisor, programme, crowd
):
    """What someone comparing the page before and after a response arrives could learn."""
    for i, person in enumerate(crowd[:3]):
        respond(person, supervisor, programme, [5, 4, 3, 2], at=OCTOBER + datetime.timedelta(i))
    before = view_summary(client, supervisor)
    assert before.context["summary"].people == 3
    assert "Ratings given up to 31 October 2026, from 3 people" in before.content.decode()

    # One more in the current month: the page is the same, byte for byte.
    respond(crowd[3], supervisor, programme, [1, 1, 1, 1], at=NOW)
    assert main(view_summary(client, supervisor)) == main(before)
    # November has ended with fewer than 3 people waiting: still the same.
    assert main(view_summary(client, supervisor, at=DECEMBER_1)) == main(before)
    # Two more arrive in December, one at a time: still the same after each.
    for person, day in ((crowd[4], 3), (crowd[5], 20)):
        moment = datetime.datetime(2026, 12, day, 10, tzinfo=datetime.UTC)
        respond(person, supervisor, programme, [2, 2, 2, 2], at=moment)
        assert main(view_summary(client, supervisor, at=moment)) == main(before)

    # December has ended and November and December together have 3 people: one release,
    # and what changed is a batch of all three.
    after = view_summary(client, supervisor, at=JANUARY_1)
    assert main(after) != main(before)
    old, new = before.context["summary"], after.context["summary"]
    assert (old.people, new.people) == (3, 6)
    assert new.up_to == datetime.date(2026, 12, 31)
    for old_question, new_question in zip(old.questions, new.questions, strict=True):
        assert new_question.count - old_question.count == 3
        added = [
            b - a
            for (_, a), (_, b) in zip(
                old_question.distribution, new_question.distribution, strict=True
            )
        ]
        assert sum(added) == 3
    assert new.questions[0].distribution == ((1, 1), (2, 2), (3, 0), (4, 0), (5, 3))
    assert "Ratings given up to 31 December 2026, from 6 people" in after.content.decode()


def test_a_small_batch_waits_for_the_next_month(
    client, frozen_now, supervisor_profile, supervisor, programme, crowd
):
    aisha, bronwen, chidi = crowd[:3]
    respond(
        aisha,
        supervisor,
        programme,
        [4, 4, 4, 4],
        at=datetime.datetime(2026, 9, 9, 9, tzinfo=datetime.UTC),
    )
    respond(bronwen, supervisor, programme, [2, 2, 2, 2], at=OCTOBER)
    # Two people over two closed months: not enough.
    assert view_summary(client, supervisor).context["summary"] is None
    # In November Aisha responds again and Chidi for the first time.
    respond(aisha, supervisor, programme, [5, 5, 5, 5], at=NOW - datetime.timedelta(days=1))
    respond(chidi, supervisor, programme, [3, 3, 3, 3], at=NOW)
    assert view_summary(client, supervisor).context["summary"] is None

    # November's end releases September to November together: 3 people, 4 responses.
    page = view_summary(client, supervisor, at=DECEMBER_1)
    summary = page.context["summary"]
    assert (summary.people, summary.responses) == (3, 4)
    assert summary.questions[0].distribution == ((1, 0), (2, 1), (3, 1), (4, 1), (5, 1))
    assert summary.questions[0].mean == 3.5
    assert "Ratings given up to 30 November 2026, from 3 people" in page.content.decode()


def test_a_question_answered_by_two_people_shows_no_figures(
    client, frozen_now, supervisor_profile, supervisor, programme, crowd, programme_admin
):
    for i, person in enumerate(crowd[:3]):
        respond(person, supervisor, programme, [4, 4, 4, 4], at=OCTOBER + datetime.timedelta(i))
    # A question added part-way through October: only the last two people are asked it.
    FeedbackQuestion.objects.create(
        programme=programme, text="Was the room private?", kind=QuestionKind.RATING, position=3
    )
    for i, person in enumerate(crowd[3:5]):
        respond(
            person, supervisor, programme, [1, 2, 2, 2, 2], at=OCTOBER + datetime.timedelta(5 + i)
        )

    page = view_summary(client, supervisor)
    summary = page.context["summary"]
    assert summary.people == 5
    [private] = [q for q in summary.questions if q.text == "Was the room private?"]
    assert private.suppressed
    assert (private.count, private.mean, private.distribution) == (None, None, None)
    others = [q for q in summary.questions if q is not private]
    assert [q.count for q in others] == [5, 5, 5, 5]
    assert not any(q.suppressed for q in others)
    body = page.content.decode()
    assert "Shown once at least 3 different people have answered this question." in body


def test_a_question_needs_three_different_people_not_three_answers(
    frozen_now, supervisor_profile, supervisor, programme, crowd
):
    """The totals themselves (no batches): 4 answers from 2 people are not enough."""
    aisha, bronwen, chidi = crowd[:3]
    respond(chidi, supervisor, programme, [3, 3, 3, 3], at=OCTOBER)
    FeedbackQuestion.objects.create(
        programme=programme, text="Was the room private?", kind=QuestionKind.RATING, position=3
    )
    for day, person in enumerate((aisha, bronwen, aisha, bronwen), start=1):
        respond(
            person, supervisor, programme, [5, 5, 5, 5, 5], at=OCTOBER + datetime.timedelta(day)
        )

    summary = rating_summary(responses_on_sessions_supervised_by(supervisor))
    assert summary is not None
    assert (summary.people, summary.responses) == (3, 5)
    [private] = [q for q in summary.questions if q.text == "Was the room private?"]
    assert private.suppressed
    assert all(not q.suppressed and q.count == 5 for q in summary.questions if q is not private)


def test_a_batch_whose_people_answered_different_questions_says_why_nothing_shows(
    client, frozen_now, supervisor_profile, supervisor, programme, pna_programme, crowd
):
    """3 different people, but 2 in one programme and 1 in another: no question
    has 3 answers, and the page says so rather than showing an empty table."""
    respond(crowd[0], supervisor, programme, [4, 4, 4, 4], at=OCTOBER)
    respond(crowd[1], supervisor, programme, [4, 4, 4, 4], at=OCTOBER)
    respond(crowd[2], supervisor, pna_programme, [2, 2, 2, 2], at=OCTOBER)
    page = view_summary(client, supervisor)
    summary = page.context["summary"]
    assert summary.people == 3
    assert not summary.any_shown
    assert "no question has yet been answered by 3 different people" in page.content.decode()


def test_a_programme_with_one_new_person_keeps_its_totals(
    client, frozen_now, supervisor_profile, supervisor, programme, pna_programme, crowd
):
    """A batch of 3 people, of whom only 1 answered one programme's questions.

    Its questions keep their totals until 3 different people have answered them
    since, or the change would be that one person's ratings.
    """
    for i, person in enumerate(crowd[:3]):
        respond(person, supervisor, programme, [4, 4, 4, 4], at=OCTOBER + datetime.timedelta(i))
    before = view_summary(client, supervisor).context["summary"]
    november = NOW - datetime.timedelta(days=2)
    respond(crowd[3], supervisor, programme, [1, 1, 1, 1], at=november)
    respond(crowd[4], supervisor, pna_programme, [2, 2, 2, 2], at=november)
    respond(crowd[5], supervisor, pna_programme, [3, 3, 3, 3], at=november)

    page = view_summary(client, supervisor, at=DECEMBER_1)
    after = page.context["summary"]
    assert (after.people, after.up_to) == (6, datetime.date(2026, 11, 30))
    band7 = [q for q in after.questions if q.programme_name == programme.name]
    pna = [q for q in after.questions if q.programme_name == pna_programme.name]
    assert [(q.count, q.mean, q.distribution) for q in band7] == [
        (q.count, q.mean, q.distribution) for q in before.questions
    ]
    assert all(q.up_to == datetime.date(2026, 10, 31) for q in band7)
    assert all(q.suppressed for q in pna)
    assert "Answers given up to 31 October 2026" in page.content.decode()
    # Both programmes ask alike questions: each row says whose it is.
    assert f"({pna_programme.name})" in page.content.decode()

    december = datetime.datetime(2026, 12, 10, 10, tzinfo=datetime.UTC)
    for person in crowd[6:8]:
        respond(person, supervisor, programme, [5, 5, 5, 5], at=december)
    respond(crowd[8], supervisor, pna_programme, [4, 4, 4, 4], at=december)
    later = view_summary(client, supervisor, at=JANUARY_1).context["summary"]
    assert later.people == 9
    band7 = [q for q in later.questions if q.programme_name == programme.name]
    pna = [q for q in later.questions if q.programme_name == pna_programme.name]
    # Now each programme's questions move by a batch of 3 different people.
    assert [q.count for q in band7] == [6] * 4
    assert band7[0].distribution == ((1, 1), (2, 0), (3, 0), (4, 3), (5, 2))
    assert [q.count for q in pna] == [3] * 4
    assert pna[0].mean == 3.0
    assert all(q.until == later.until for q in later.questions)


def test_the_minimum_can_be_raised_by_a_setting(
    client, settings, frozen_now, supervisor_profile, supervisor, programme, crowd
):
    settings.FEEDBACK_MINIMUM_RESPONDENTS = 5
    for i, person in enumerate(crowd[:4]):
        respond(person, supervisor, programme, [4, 4, 4, 4], at=OCTOBER + datetime.timedelta(i))
    page = view_summary(client, supervisor)
    assert page.context["summary"] is None
    assert "at least 5 different people have responded" in page.content.decode()
    respond(crowd[4], supervisor, programme, [4, 4, 4, 4], at=OCTOBER + datetime.timedelta(5))
    summary = view_summary(client, supervisor).context["summary"]
    assert summary.people == 5


def test_the_minimum_is_never_below_three(
    client, settings, frozen_now, supervisor_profile, supervisor, programme, crowd
):
    settings.FEEDBACK_MINIMUM_RESPONDENTS = 1
    assert disclosure.feedback_minimum() == 3
    for i, person in enumerate(crowd[:2]):
        respond(person, supervisor, programme, [4, 4, 4, 4], at=OCTOBER + datetime.timedelta(i))
    page = view_summary(client, supervisor)
    assert page.context["summary"] is None
    assert "at least 3 different people have responded" in page.content.decode()
    respond(crowd[2], supervisor, programme, [4, 4, 4, 4], at=OCTOBER + datetime.timedelta(3))
    assert view_summary(client, supervisor).context["summary"].people == 3


def test_months_follow_the_organisations_time_zone_across_the_clock_change(
    client, supervisor_profile, supervisor, programme, organisation, crowd
):
    march = datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC)
    respond(crowd[0], supervisor, programme, [4, 4, 4, 4], at=march)
    respond(crowd[1], supervisor, programme, [4, 4, 4, 4], at=march)
    # 23:30 UTC on 31 March is 00:30 on 1 April in London (BST began on 29 March).
    respond(
        crowd[2],
        supervisor,
        programme,
        [2, 2, 2, 2],
        at=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC),
    )
    just_after = datetime.datetime(2026, 4, 1, 0, 15, tzinfo=datetime.UTC)  # 01:15 in London

    # In London, March ended with 2 people; the third is April's and April is running.
    assert view_summary(client, supervisor, at=just_after).context["summary"] is None
    page = view_summary(
        client, supervisor, at=datetime.datetime(2026, 5, 1, 0, 1, tzinfo=datetime.UTC)
    )
    assert page.context["summary"].people == 3
    # April in London ended at 23:00 UTC on 30 April.
    assert page.context["summary"].until == datetime.datetime(2026, 4, 30, 23, tzinfo=datetime.UTC)
    assert "Ratings given up to 30 April 2026, from 3 people" in page.content.decode()

    # An organisation working in UTC has all three in March.
    organisation.time_zone = "UTC"
    organisation.save()
    page = view_summary(client, supervisor, at=just_after)
    assert page.context["summary"].people == 3
    assert "Ratings given up to 31 March 2026, from 3 people" in page.content.decode()


def test_supervisor_totals_cover_only_their_own_sessions(
    client, frozen_now, supervisor_profile, supervisor, programme, three_supervisees, organisation
):
    from tests.factories import RoleGrantFactory

    other = StaffProfileFactory(organisation=organisation).user
    RoleGrantFactory(user=other, organisation=organisation, role="supervisor")
    for i, person in enumerate(three_supervisees):
        respond(person, supervisor, programme, [5, 5, 5, 5], at=OCTOBER + datetime.timedelta(i))
    assert view_summary(client, supervisor).context["summary"].people == 3
    page = view_summary(client, other)
    assert page.context["summary"] is None
    assert NOTHING_YET in page.content.decode()


def test_summary_is_for_supervisors_and_facilitators(client, supervisee, wellbeing_lead):
    assert client.get(SUMMARY).status_code == 302
    for person in (supervisee, wellbeing_lead):
        client.force_login(person)
        assert client.get(SUMMARY).status_code == 403


def test_summary_query_count_does_not_grow_with_responses(
    client, frozen_now, supervisor_profile, supervisor, programme, pna_programme, crowd
):
    def queries():
        client.force_login(supervisor)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(SUMMARY)
        assert page.status_code == 200
        assert page.context["summary"] is not None
        return len(captured)

    for i, person in enumerate(crowd[:3]):
        respond(person, supervisor, programme, [4, 4, 4, 4], at=OCTOBER + datetime.timedelta(i))
    few = queries()
    # More people, a second programme's questions, more months, some still waiting.
    for i, person in enumerate(crowd[3:]):
        respond(
            person, supervisor, pna_programme, [2, 3, 4, 5], at=OCTOBER - datetime.timedelta(30 + i)
        )
        respond(person, supervisor, programme, [2, 3, 4, 5], at=NOW - datetime.timedelta(i))
    assert queries() == few


# --- Batch release, the rule itself (disclosure.feedback_release) -----------------


def _utc(year, month, day, hour=12, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=datetime.UTC)


def test_release_needs_a_month_that_has_ended_and_three_different_people():
    rows = [(_utc(2026, 10, 5), 1), (_utc(2026, 10, 6), 2), (_utc(2026, 10, 7), 2)]
    release = disclosure.feedback_release(rows, now=NOW, minimum=3)
    assert (release.until, release.batches, release.waiting_people) == (None, 0, 2)
    rows.append((_utc(2026, 10, 30), 3))
    release = disclosure.feedback_release(rows, now=NOW, minimum=3)
    assert release.until == datetime.datetime(2026, 11, 1, tzinfo=LONDON)
    assert (release.batches, release.waiting_people) == (1, 0)
    # Until October has ended (23:00 UTC on 31 October is still October in London).
    assert disclosure.feedback_release(rows, now=_utc(2026, 10, 31, 23), minimum=3).until is None
    assert disclosure.feedback_release([], now=NOW).until is None


def test_release_carries_a_small_batch_into_the_next_month():
    rows = [
        (_utc(2026, 7, 1), 1),
        (_utc(2026, 7, 2), 2),
        (_utc(2026, 7, 3), 3),  # July: released on its own
        (_utc(2026, 8, 4), 1),  # August: one person, waits
        (_utc(2026, 9, 5), 4),  # September: with August, still two
        (_utc(2026, 10, 6), 5),  # October: with August and September, three
        (_utc(2026, 11, 7), 6),  # November: running
    ]
    until_july = datetime.datetime(2026, 8, 1, tzinfo=LONDON)
    assert disclosure.feedback_release(rows, now=_utc(2026, 10, 1), minimum=3).until == until_july
    release = disclosure.feedback_release(rows, now=NOW, minimum=3)
    assert release.until == datetime.datetime(2026, 11, 1, tzinfo=LONDON)
    assert (release.batches, release.waiting_people) == (2, 0)
    # The same responses in any order give the same release.
    for shuffled in (rows[::-1], rows[3:] + rows[:3]):
        assert disclosure.feedback_release(shuffled, now=NOW, minimum=3) == release


def test_release_follows_the_time_zone_across_the_clock_change():
    rows = [(_utc(2026, 3, 10), 1), (_utc(2026, 3, 11), 2), (_utc(2026, 3, 31, 23, 30), 3)]
    just_after = _utc(2026, 4, 1, 0, 15)
    london = disclosure.feedback_release(rows, now=just_after, time_zone="Europe/London", minimum=3)
    assert (london.until, london.waiting_people) == (None, 2)
    utc = disclosure.feedback_release(rows, now=just_after, time_zone="UTC", minimum=3)
    assert utc.until == _utc(2026, 4, 1, 0)
    may = disclosure.feedback_release(
        rows, now=_utc(2026, 5, 2), time_zone="Europe/London", minimum=3
    )
    assert may.until == _utc(2026, 4, 30, 23)  # midnight on 1 May, BST


def test_release_over_the_new_year_and_with_a_higher_minimum():
    december = [(_utc(2026, 12, day), person) for day, person in ((1, 1), (2, 2), (3, 3), (4, 4))]
    january = _utc(2027, 1, 2)
    assert disclosure.feedback_release(december, now=january, minimum=3).until == datetime.datetime(
        2027, 1, 1, tzinfo=LONDON
    )
    assert disclosure.feedback_release(december, now=january, minimum=5).until is None


def test_the_minimum_comes_from_the_setting_but_never_below_three(settings):
    for value, minimum in ((None, 3), (0, 3), (1, 3), (3, 3), (5, 5), (8, 8)):
        settings.FEEDBACK_MINIMUM_RESPONDENTS = value
        assert disclosure.feedback_minimum() == minimum
    settings.FEEDBACK_MINIMUM_RESPONDENTS = 5
    rows = [(_utc(2026, 10, day), day) for day in range(1, 5)]  # four people
    assert disclosure.feedback_release(rows, now=NOW).until is None


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
    # The meeting was in November: its feedback is released once November has ended.
    assert client.get(SUMMARY).context["groups"] == [(meeting.group, None)]
    page = view_summary(client, facilitator, at=DECEMBER_1)
    [(_group, totals)] = page.context["groups"]
    assert (totals.people, totals.responses) == (3, 3)
    assert totals.questions[0].distribution[2] == (3, 3)
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
