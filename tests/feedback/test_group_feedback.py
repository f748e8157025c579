"""Feedback after group meetings (issue 16, seeds 000 and 003).

Members marked present are asked how it went, once, by email and in the app,
through the outbox; the meeting page has a "Give feedback" link for them and,
afterwards, shows them their own answers. The facilitators see totals under
the rules of one-to-one feedback: released a calendar month at a time, only in
batches of at least 3 different people. Each group's totals stand alone, so a
determined facilitator comparing pages (visit to visit, or with a co-facilitator
who runs no one-to-ones) learns nothing about one person.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

import disclosure
from feedback.models import FeedbackResponse, QuestionKind
from feedback.services.feedback import feedback_submit, questions_for
from kernel.models import Role
from notifications.models import Notification
from peergroups.models import Attendance, GroupSession, Membership
from peergroups.services.groups import register_save
from supervision.models import Session
from tests.factories import GroupFactory, RoleGrantFactory, StaffProfileFactory
from tests.outbox import deliver_due

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
SECRET = "The registrar made me cry in front of a family"
SUMMARY = reverse("feedback:summary")


def at(year, month, day, hour=12):
    return datetime.datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def co_facilitator(organisation):
    user = StaffProfileFactory(organisation=organisation).user
    RoleGrantFactory(user=user, organisation=organisation, role=Role.FACILITATOR)
    return user


@pytest.fixture
def group(organisation, facilitator, co_facilitator):
    return GroupFactory(
        organisation=organisation,
        programme__name="Peer support groups for junior doctors",
        name="Junior doctors' peer support group",
        group_type="peer_support",
        facilitators=[facilitator, co_facilitator],
    )


@pytest.fixture
def members(group, organisation):
    people = [StaffProfileFactory(organisation=organisation).user for _ in range(8)]
    for user in people:
        Membership.objects.create(group=group, user=user, state="active")
    return people


def meeting_on(group, starts):
    return GroupSession.objects.create(
        group=group,
        occurrence=starts.date(),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=90),
    )


def take_register(meeting, facilitator, present, absent=()):
    marks = {user.pk: "present" for user in present} | {user.pk: "absent" for user in absent}
    with time_machine.travel(meeting.ends_at + datetime.timedelta(minutes=5), tick=False):
        register_save(actor=facilitator, meeting=meeting, marks=marks)


def answers_for(meeting, rating, text=SECRET):
    return {
        question: rating if question.kind == QuestionKind.RATING else text
        for question in questions_for(meeting.group.programme)
    }


def give(author, meeting, rating, when):
    with time_machine.travel(when, tick=False):
        return feedback_submit(author=author, meeting=meeting, answers=answers_for(meeting, rating))


def prompts_to(user):
    return [m for m in mail.outbox if m.to == [user.email] and m.subject.startswith("How was")]


# --- Asking those who were there -------------------------------------------------------


def test_those_marked_present_are_asked_once_by_email_and_in_the_app(
    client, group, members, facilitator
):
    meeting = meeting_on(group, at(2026, 11, 4, 18))
    there, away = members[:3], members[3:5]
    take_register(meeting, facilitator, there, away)
    with time_machine.travel(at(2026, 11, 5, 10), tick=False):
        deliver_due()
    for user in there:
        [prompt] = prompts_to(user)
        assert prompt.subject == f"How was {group.name}?"
        assert reverse("feedback:give_meeting", args=[meeting.pk]) in prompt.body
    assert all(prompts_to(user) == [] for user in away)
    # In the app too: the person's own list of notifications.
    client.force_login(there[0])
    with time_machine.travel(at(2026, 11, 5, 10), tick=False):
        listed = client.get(reverse("notifications:list")).content.decode()
    assert escape(f"How was {group.name}?") in listed
    # Taking the register again (a correction) asks nobody twice.
    take_register(meeting, facilitator, there, away)
    with time_machine.travel(at(2026, 11, 6, 10), tick=False):
        deliver_due()
    assert all(len(prompts_to(user)) == 1 for user in there)
    assert (
        Notification.objects.filter(kind="group_feedback_prompt", target_id=meeting.pk).count() == 3
    )


def test_someone_marked_absent_before_the_prompt_goes_is_not_asked(group, members, facilitator):
    meeting = meeting_on(group, at(2026, 11, 4, 18))
    # The register is taken as the meeting starts; the prompt waits for its end.
    with time_machine.travel(meeting.starts_at + datetime.timedelta(minutes=1), tick=False):
        register_save(actor=facilitator, meeting=meeting, marks={members[0].pk: "present"})
        register_save(actor=facilitator, meeting=meeting, marks={members[0].pk: "apologies"})
    with time_machine.travel(at(2026, 11, 5, 10), tick=False):
        deliver_due()
    assert prompts_to(members[0]) == []


def test_the_meeting_page_offers_feedback_to_those_who_were_there(
    client, group, members, facilitator
):
    meeting = meeting_on(group, at(2026, 11, 4, 18))
    take_register(meeting, facilitator, members[:1], members[1:2])
    url = reverse("peergroups:session", args=[meeting.pk])
    give_url = reverse("feedback:give_meeting", args=[meeting.pk])
    with time_machine.travel(at(2026, 11, 5), tick=False):
        client.force_login(members[0])
        page = client.get(url).content.decode()
        assert "Give feedback" in page
        assert give_url in page
        # And from the group page, where the meetings they went to are listed.
        assert give_url in client.get(group.get_absolute_url()).content.decode()
        client.force_login(members[1])  # a member, but absent
        assert give_url not in client.get(url).content.decode()
        client.force_login(facilitator)
        assert give_url not in client.get(url).content.decode()
        assert SUMMARY in client.get(group.get_absolute_url()).content.decode()


def test_after_giving_feedback_the_person_reads_their_own_answers_and_nobody_else_can(
    client, group, members, facilitator
):
    meeting = meeting_on(group, at(2026, 11, 4, 18))
    take_register(meeting, facilitator, members[:2])
    url = reverse("feedback:give_meeting", args=[meeting.pk])
    with time_machine.travel(at(2026, 11, 5), tick=False):
        client.force_login(members[0])
        data = {
            f"question_{q.pk}": "4" if q.kind == QuestionKind.RATING else SECRET
            for q in questions_for(group.programme)
        }
        assert client.post(url, data).status_code == 302
        page = client.get(url).content.decode()
        assert "Your answers" in page
        assert SECRET in page
        client.force_login(members[1])  # there too, but these are not their answers
        assert SECRET not in client.get(url).content.decode()
        client.force_login(facilitator)
        assert client.get(url).status_code == 403
    assert FeedbackResponse.objects.get(author=members[0]).group_session_id == meeting.pk


# --- Totals for the facilitators ---------------------------------------------------------


def group_totals(client, user, when):
    """The totals of `group` on the facilitator's summary page at `when` (None: none yet)."""
    with time_machine.travel(when, tick=False):
        client.force_login(user)
        page = client.get(SUMMARY)
    [(_group, totals)] = page.context["groups"]
    return page, totals


def test_facilitators_see_totals_a_month_at_a_time_from_three_people(
    client, group, members, facilitator, co_facilitator
):
    meeting = meeting_on(group, at(2026, 11, 4, 18))
    take_register(meeting, facilitator, members[:3])
    give(members[0], meeting, 5, at(2026, 11, 5))
    give(members[1], meeting, 4, at(2026, 11, 6))
    _, totals = group_totals(client, facilitator, at(2026, 12, 2))
    assert totals is None  # two people: nothing, even once November has ended
    give(members[2], meeting, 3, at(2026, 11, 7))
    _, totals = group_totals(client, facilitator, at(2026, 11, 30))
    assert totals is None  # three people, but November has not ended
    page, totals = group_totals(client, facilitator, at(2026, 12, 1, 1))
    assert (totals.people, totals.questions[0].mean) == (3, 4.0)
    assert SECRET not in page.content.decode()
    # Both facilitators see the same totals of their group.
    _, theirs = group_totals(client, co_facilitator, at(2026, 12, 1, 1))
    assert theirs == totals


def _shown(totals):
    """What the group's table says, as a reader would copy it down."""
    if totals is None:
        return None
    return (
        totals.people,
        totals.responses,
        tuple((q.count, q.mean, q.distribution) for q in totals.questions),
    )


def test_differencing_visits_and_a_co_facilitators_page_reveals_no_one(
    client, group, members, facilitator, co_facilitator, programme
):
    """The attack: a facilitator who also supervises one-to-one looks at the page every day
    while responses arrive one by one over three months, and compares it with the page of
    their co-facilitator (who runs no one-to-ones). Every change they can see comes from a
    batch of at least 3 new people; nothing of the one-to-one feedback (one person's)
    appears, and the group's figures are the same on both pages, so subtracting one page
    from the other leaves nothing."""
    RoleGrantFactory(user=facilitator, organisation=group.organisation, role=Role.SUPERVISOR)
    supervisee = StaffProfileFactory(organisation=group.organisation).user
    one_to_one = Session.objects.create(
        programme=programme,
        supervisor=facilitator,
        supervisee=supervisee,
        starts_at=at(2026, 10, 1, 9),
        ends_at=at(2026, 10, 1, 10),
        status=Session.Status.ATTENDED,
        meeting_link="https://teams.microsoft.com/l/meetup-join/abc",
    )
    with time_machine.travel(at(2026, 10, 2), tick=False):
        feedback_submit(
            author=supervisee,
            session=one_to_one,
            answers={
                q: 1 if q.kind == QuestionKind.RATING else SECRET for q in questions_for(programme)
            },
        )
    meetings = [meeting_on(group, at(2026, month, 7, 18)) for month in (10, 11, 12)]
    for meeting in meetings:
        take_register(meeting, facilitator, members)
    # Responses arrive one at a time: 4 in October, 2 in November, 5 in December.
    arrivals = [
        *[(meetings[0], members[i], at(2026, 10, 8 + i)) for i in range(4)],
        *[(meetings[1], members[i], at(2026, 11, 8 + i)) for i in range(2)],
        *[(meetings[2], members[i], at(2026, 12, 8 + i)) for i in range(5)],
    ]
    seen, views, changes = None, 0, []
    day = at(2026, 10, 1, 23)
    while day < at(2027, 2, 2):
        for meeting, author, when in arrivals:
            if day - datetime.timedelta(days=1) < when <= day:
                give(author, meeting, 1 + (author.pk % 5), when)
        page, totals = group_totals(client, facilitator, day)
        views += 1
        # Nothing of the single one-to-one response is ever shown.
        assert page.context["summary"] is None
        assert SECRET not in page.content.decode()
        _, theirs = group_totals(client, co_facilitator, day)
        assert _shown(theirs) == _shown(totals)
        if _shown(totals) != seen:
            changes.append((day, totals))
            seen = _shown(totals)
        day += datetime.timedelta(days=1)
    assert views > 100
    # The figures moved twice: October's 4 responses (in November), then November's 2
    # and December's 5 together (in January, as November's 2 people alone were too few).
    assert [(c[0].date(), c[1].responses) for c in changes] == [
        (datetime.date(2026, 11, 1), 4),
        (datetime.date(2027, 1, 1), 11),
    ]
    # Each change between two views is a batch of at least 3 different people.
    released_before = datetime.datetime.min.replace(tzinfo=UTC)
    for _day, totals in changes:
        batch = FeedbackResponse.objects.filter(
            group_session_id__in=[m.pk for m in meetings],
            submitted_at__gte=released_before,
            submitted_at__lt=totals.until,
        )
        assert batch.values("author").distinct().count() >= disclosure.feedback_minimum()
        released_before = totals.until


def test_responses_of_other_groups_never_reach_a_facilitators_totals(
    client, group, members, facilitator, organisation
):
    someone_else = StaffProfileFactory(organisation=organisation).user
    other = GroupFactory(
        organisation=organisation, programme=group.programme, facilitators=[someone_else]
    )
    meeting = meeting_on(other, at(2026, 11, 4, 12))
    for user in members[:4]:
        Attendance.objects.create(session=meeting, user=user, status="present")
        give(user, meeting, 2, at(2026, 11, 5))
    _, totals = group_totals(client, facilitator, at(2026, 12, 2))
    assert totals is None
    with time_machine.travel(at(2026, 12, 2), tick=False):
        client.force_login(someone_else)
        [(shown_group, theirs)] = client.get(SUMMARY).context["groups"]
    assert (shown_group, theirs.people) == (other, 4)
