"""A programme's wellbeing measure (issue 16, seed 003's impact data): SWEMWBS at joining
and every few months; each person's answers their own; leads see only the paired mean
change of at least 5 people, released in batches, which no differencing undoes."""

import datetime
import itertools
import random

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import disclosure
from feedback import aggregates_measures
from feedback.models import MeasureResponse, WellbeingMeasure
from feedback.notifications_measures import plan_measure_prompts
from feedback.permissions_measures import responses_for_aggregate
from feedback.personal_data import export_for
from feedback.services.measures import measure_answer, measure_save
from peergroups.models import Membership
from tests.factories import AgreementFactory, GroupFactory, ProgrammeFactory, StaffProfileFactory
from tests.outbox import deliver_due

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# Placeholders: the scale's wording is the organisation's licensed copy, not ours to ship.
STATEMENTS = [f"Licensed statement {n}" for n in range(1, 8)]
IMPACT = reverse("feedback:wellbeing_impact")


def at(year, month, day, hour=12):
    return datetime.datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def group(organisation, facilitator):
    return GroupFactory(
        organisation=organisation,
        programme__name="Peer support groups for junior doctors",
        name="Junior doctors' peer support group",
        group_type="peer_support",
        facilitators=[facilitator],
    )


@pytest.fixture
def measure(group, programme_admin):
    with time_machine.travel(at(2026, 1, 5), tick=False):
        return measure_save(
            actor=programme_admin,
            programme=group.programme,
            statements=STATEMENTS,
            interval_months=3,
            licence="Registered with the University of Warwick on 3 January 2026",
        )


def member_of(group, joined=None):
    user = StaffProfileFactory(organisation=group.organisation).user
    Membership.objects.create(
        group=group, user=user, state="active", joined_at=joined or at(2026, 1, 10)
    )
    return user


def answer(user, measure, answers, when):
    with time_machine.travel(when, tick=False):
        return measure_answer(
            actor=user, measure=measure, joined=at(2026, 1, 10), answers=answers, now=when
        )


def scoring(total):
    """Seven answers from 1 to 5 that add up to `total`."""
    answers = [1] * 7
    for n in range(total - 7):
        answers[n % 7] += 1
    return answers


def form(answers):
    return {f"statement_{n}": str(a) for n, a in enumerate(answers, start=1)}


# --- Setting it up ----------------------------------------------------------------------


def test_a_programme_admin_attaches_the_measure_in_their_licensed_words(
    client, group, programme_admin
):
    url = reverse("feedback:measure_setup", args=[group.programme.pk])
    client.force_login(programme_admin)
    page = client.get(url).content.decode()
    assert "University of Warwick" in page  # the licence terms, before anything is typed
    data = {
        "licence": "Registered with the University of Warwick on 3 January 2026",
        "interval_months": "3",
        "is_active": "yes",
        **{f"statement_{n}": text for n, text in enumerate(STATEMENTS, start=1)},
    }
    response = client.post(url, {**data, "licence": "", "statement_7": ""})
    assert response.status_code == 200
    assert "Enter how your organisation holds its licence" in response.content.decode()
    assert "Enter statement 7" in response.content.decode()
    assert client.post(url, {**data, "interval_months": "0"}).status_code == 200
    assert client.post(url, data).status_code == 302
    measure = WellbeingMeasure.objects.get(programme=group.programme)
    assert (measure.statements, measure.interval_months) == (STATEMENTS, 3)
    # Once answered, the words stay (answers keep the words they were given to)...
    member = member_of(group)
    answer(member, measure, [3] * 7, measure.created_at + datetime.timedelta(minutes=1))
    reworded = {**data, "statement_1": "Something else entirely"}
    response = client.post(url, reworded)
    assert "their wording cannot change" in response.content.decode()
    # ... but a typo in punctuation may be mended.
    assert client.post(url, {**data, "statement_1": "Licensed statement 1."}).status_code == 302


def test_only_admins_of_the_programme_set_it_up(client, group, supervisee, outsider):
    url = reverse("feedback:measure_setup", args=[group.programme.pk])
    client.force_login(supervisee)
    assert client.get(url).status_code == 403
    client.force_login(outsider)  # an admin, of another trust
    assert client.get(url).status_code == 404


# --- Answering ---------------------------------------------------------------------------


def test_a_member_answers_at_joining_and_again_after_the_interval(client, group, measure):
    member = member_of(group)
    url = reverse("feedback:wellbeing_measure", args=[group.programme.pk])
    client.force_login(member)
    with time_machine.travel(at(2026, 1, 11), tick=False):
        page = client.get(url).content.decode()
        assert "Licensed statement 7" in page
        assert "NHS Health Scotland, University of Warwick and University of Edinburgh" in page
        response = client.post(url, form([3, 3, 3, 3, 3, 3, 4]))
        assert response.status_code == 302
        assert "Next due on 11 April 2026" in client.get(response.url).content.decode()
        page = client.get(url)
        assert page.context["form"] is None  # not due again yet
        assert "Your next answers are due on 11 April 2026" in page.content.decode()
        # A second post before it is due changes nothing.
        client.post(url, form([5] * 7))
    assert list(MeasureResponse.objects.values_list("occasion", "raw_score")) == [(0, 22)]
    with time_machine.travel(at(2026, 4, 12), tick=False):
        client.force_login(member)  # signed in again: sessions time out
        assert client.post(url, form([4] * 7)).status_code == 302
        page = client.get(url).content.decode()
    assert list(MeasureResponse.objects.values_list("occasion", "raw_score")) == [(0, 22), (1, 28)]
    assert "22" in page
    assert "28" in page


def test_every_statement_needs_an_answer(client, group, measure):
    member = member_of(group)
    client.force_login(member)
    url = reverse("feedback:wellbeing_measure", args=[group.programme.pk])
    with time_machine.travel(at(2026, 1, 11), tick=False):
        response = client.post(url, {**form([3] * 6), "statement_7": "9"})
    assert response.status_code == 200
    assert "Select how often “Licensed statement 7” has been true for you" in (
        response.content.decode()
    )
    assert not MeasureResponse.objects.exists()


def test_only_those_taking_part_are_asked(
    client, group, measure, facilitator, supervisee, programme_admin, wellbeing_lead
):
    url = reverse("feedback:wellbeing_measure", args=[group.programme.pk])
    other_group = GroupFactory(organisation=group.organisation)
    for someone in (
        facilitator,
        supervisee,
        programme_admin,
        wellbeing_lead,
        member_of(other_group),
    ):
        client.force_login(someone)
        assert client.get(url).status_code == 404
    # Supervisees in the programme's agreements take part too (a one-to-one programme).
    one_to_one = ProgrammeFactory(organisation=group.organisation)
    measure_save(
        actor=programme_admin,
        programme=one_to_one,
        statements=STATEMENTS,
        interval_months=6,
        licence="Registered",
    )
    AgreementFactory(programme=one_to_one, supervisee=supervisee)
    client.force_login(supervisee)
    assert client.get(reverse("feedback:wellbeing_measure", args=[one_to_one.pk])).status_code == (
        200
    )


def test_ones_answers_are_ones_own(client, group, measure, wellbeing_lead, programme_admin):
    first, second = member_of(group), member_of(group)
    answer(first, measure, [1, 2, 1, 2, 1, 2, 3], at(2026, 1, 11))  # a score of 12
    url = reverse("feedback:wellbeing_measure", args=[group.programme.pk])
    with time_machine.travel(at(2026, 1, 12), tick=False):
        client.force_login(second)
        assert ">12<" not in client.get(url).content.decode()
        for lead in (wellbeing_lead, programme_admin):
            client.force_login(lead)
            assert ">12<" not in client.get(IMPACT).content.decode()
    export = export_for(first)["wellbeing_measure_answers"]
    assert [(row["score"], row["answers"]) for row in export] == [(12, [1, 2, 1, 2, 1, 2, 3])]
    assert export_for(second)["wellbeing_measure_answers"] == []


# --- Prompts ---------------------------------------------------------------------------


def prompts_to(user):
    return [m for m in mail.outbox if m.to == [user.email] and "A few questions" in m.subject]


def test_prompts_go_at_joining_and_after_each_interval_once_by_email_and_in_the_app(
    client, group, measure
):
    member = member_of(group, joined=at(2026, 2, 2, 9))
    for when in (at(2026, 2, 2, 10), at(2026, 2, 2, 11)):  # the hourly scan, twice
        with time_machine.travel(when, tick=False):
            plan_measure_prompts()
            deliver_due()
    [first] = prompts_to(member)
    assert reverse("feedback:wellbeing_measure", args=[group.programme.pk]) in first.body
    assert "Welcome to" in first.body
    client.force_login(member)
    with time_machine.travel(at(2026, 2, 2, 12), tick=False):
        assert "A few questions" in client.get(reverse("notifications:list")).content.decode()
    answer(member, measure, [3] * 7, at(2026, 2, 3))
    with time_machine.travel(at(2026, 4, 30), tick=False):
        plan_measure_prompts()
        deliver_due()
    assert len(prompts_to(member)) == 1  # the next is due 3 months after they answered
    with time_machine.travel(at(2026, 5, 3, 13), tick=False):
        plan_measure_prompts()
        deliver_due()
    assert len(prompts_to(member)) == 2
    assert "It is time to answer" in prompts_to(member)[1].body


def test_a_prompt_is_not_sent_once_answered_or_after_leaving(group, measure):
    stayer, leaver = member_of(group), member_of(group)
    with time_machine.travel(at(2026, 1, 10, 13), tick=False):
        plan_measure_prompts()  # planned for both, due now
    answer(stayer, measure, [3] * 7, at(2026, 1, 10, 14))  # answered before it went
    Membership.objects.filter(user=leaver).update(state="left")
    with time_machine.travel(at(2026, 1, 10, 15), tick=False):
        deliver_due()
    assert prompts_to(stayer) == []
    assert prompts_to(leaver) == []


# --- Leads: protected aggregates of change ----------------------------------------------


def test_leads_see_the_mean_change_only_from_five_people_once_their_month_has_ended(
    client, group, measure, wellbeing_lead
):
    people = [member_of(group) for _ in range(6)]
    for person in people:
        answer(person, measure, [3] * 7, at(2026, 1, 11))  # 21 at joining
    changes = [2, 4, 6, -1]
    for person, change in zip(people, changes, strict=False):
        answer(person, measure, scoring(21 + change), at(2026, 4, 15))
    client.force_login(wellbeing_lead)
    with time_machine.travel(at(2026, 5, 2), tick=False):
        page = client.get(IMPACT)
    [summary] = page.context["summaries"]
    assert summary.at_joining.value == 5  # 6 people, rounded
    assert summary.rows == []  # 4 people answered again: nothing, even once April has ended
    answer(people[4], measure, scoring(23), at(2026, 4, 20))
    with time_machine.travel(at(2026, 4, 30), tick=False):
        assert client.get(IMPACT).context["summaries"][0].rows == []  # April has not ended
    with time_machine.travel(at(2026, 5, 2), tick=False):
        page = client.get(IMPACT)
    [row] = page.context["summaries"][0].rows
    assert (row.occasion, row.months, row.people.value) == (1, 3, 5)
    assert row.mean_change.value == pytest.approx(2.6)  # (2 + 4 + 6 - 1 + 2) / 5
    assert "+2.6" in page.content.decode()
    assert "Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS) ©" in page.content.decode()


@pytest.mark.parametrize(
    ("answers", "raw"),
    [([1] * 7, 7), ([5] * 7, 35), ([3] * 7, 21), ([1, 2, 3, 4, 5, 1, 2], 18)],
)
def test_a_score_is_the_raw_sum_of_the_seven_answers(group, measure, answers, raw):
    """SWEMWBS's published metric conversion is not applied (README, "Scoring"): the
    score stored, shown and averaged is the raw sum, 7 to 35."""
    assert answer(member_of(group), measure, answers, at(2026, 1, 11)).raw_score == raw


def test_the_change_is_each_persons_own_change_averaged_not_a_difference_of_averages(
    group, measure
):
    """Joining scores differ from person to person, and one person answered only at
    joining: the figure is the mean of the five paired changes (+3), where the mean at
    follow-up (23.6) minus the mean at joining of all six (18.3) would be +5.3."""
    at_joining = [10, 14, 21, 28, 30]
    changes = [5, 3, 0, 2, 5]
    people = [member_of(group) for _ in at_joining]
    for person, score in zip(people, at_joining, strict=True):
        answer(person, measure, scoring(score), at(2026, 1, 11))
    answer(member_of(group), measure, [1] * 7, at(2026, 1, 11))  # 7, never again
    for person, score, change in zip(people, at_joining, changes, strict=True):
        answer(person, measure, scoring(score + change), at(2026, 4, 15))
    [summary] = aggregates_measures.change_summaries(
        [measure], responses_for_aggregate([measure]), now=at(2026, 5, 2)
    )
    [row] = summary.rows
    assert row.people.value == 5
    assert row.mean_change.value == 3.0
    assert summary.at_joining.value == 5  # 6 people, rounded


def test_a_lead_sees_only_their_own_organisations_programmes(
    client, group, measure, outsider, supervisee
):
    client.force_login(outsider)  # a programme admin of another trust
    assert client.get(IMPACT).context["summaries"] == []
    client.force_login(supervisee)
    assert client.get(IMPACT).status_code == 403


def _views(measure, arrivals, days, release=True):
    """What a lead reads on each day as follow-ups arrive: (people shown, mean shown)."""
    views = []
    for day in days:
        for person, answers, when in arrivals:
            if day - datetime.timedelta(days=1) < when <= day:
                answer(person, measure, answers, when)
        summaries = aggregates_measures.change_summaries(
            [measure], responses_for_aggregate([measure]), now=day
        )
        rows = summaries[0].rows
        views.append((day, rows[0] if rows else None))
    return views


@pytest.fixture
def arrivals(group, measure):
    """Twelve people join in January; their follow-ups arrive one at a time from April to
    July, a different change each."""
    rng = random.Random(16)  # noqa: S311 - test data
    people = [member_of(group) for _ in range(12)]
    for person in people:
        answer(person, measure, [3] * 7, at(2026, 1, 11))
    follow_ups = []
    for n, person in enumerate(people):
        when = at(2026, 4, 12) + datetime.timedelta(days=9 * n)
        follow_ups.append((person, [rng.randint(1, 5) for _ in range(7)], when))
    return follow_ups


def test_differencing_daily_visits_reveals_no_ones_change(measure, arrivals):
    """A lead who looks every day while follow-ups arrive one by one: every change they see
    is a batch of at least 5 different people, so no difference of two visits is one
    person's change."""
    days = [at(2026, 4, 10, 23) + datetime.timedelta(days=n) for n in range(150)]
    views = _views(measure, arrivals, days)
    changes = []
    for (_d1, before), (day, after) in itertools.pairwise(views):
        if (before and before.until) != (after and after.until):
            changes.append((day, before, after))
    assert changes, "the figure should move at least once"
    for _day, before, after in changes:
        since = before.until if before else datetime.datetime.min.replace(tzinfo=UTC)
        batch = MeasureResponse.objects.filter(
            measure=measure, occasion=1, submitted_at__gte=since, submitted_at__lt=after.until
        )
        assert batch.values("author").distinct().count() >= disclosure.MINIMUM_PEOPLE
    # Nothing is ever shown of fewer than 5 people.
    assert all(row is None or not row.mean_change.hidden for _day, row in views)


def test_the_differencing_attack_is_real_without_batches(measure, arrivals, monkeypatch):
    """Without batch release (each follow-up counted as it arrives), two visits either side
    of one arrival give that person's change away: the attack above would find it."""

    def immediately(responses, *, now, time_zone, minimum=None):
        responses = list(responses)
        return disclosure.Release(now if responses else None, 1, 0)

    monkeypatch.setattr(disclosure, "feedback_release", immediately)
    days = [at(2026, 4, 10, 23) + datetime.timedelta(days=n) for n in range(120)]
    views = _views(measure, arrivals, days)
    recovered = 0
    for (_d1, before), (day, after) in itertools.pairwise(views):
        if before is None or after is None or before.mean_change.hidden:
            continue
        true = list(
            MeasureResponse.objects.filter(measure=measure, occasion=1, submitted_at__lte=day)
        )
        if (
            len(true)
            != len([r for r in true if r.submitted_at <= day - datetime.timedelta(days=1)]) + 1
        ):
            continue
        n = len(true)
        newest = max(true, key=lambda r: r.submitted_at)
        guess = n * after.mean_change.value - (n - 1) * before.mean_change.value
        if abs(guess - (newest.raw_score - 21)) <= 0.05 * (2 * n - 1):
            recovered += 1
    assert recovered >= 3


def test_the_impact_page_runs_the_same_queries_however_many_measures_and_answers(
    client, group, measure, wellbeing_lead, programme_admin, organisation
):
    def impact_page():
        with time_machine.travel(at(2026, 6, 2), tick=False):
            client.force_login(wellbeing_lead)
            with CaptureQueriesContext(connection) as queries:
                page = client.get(IMPACT)
        return page, queries

    _page, few = impact_page()
    for _ in range(3):
        other = GroupFactory(organisation=organisation)
        with time_machine.travel(at(2026, 1, 5), tick=False):
            extra = measure_save(
                actor=programme_admin,
                programme=other.programme,
                statements=STATEMENTS,
                interval_months=3,
                licence="Registered",
            )
        for _ in range(6):
            person = member_of(other)
            answer(person, extra, [2] * 7, at(2026, 1, 11))
            answer(person, extra, [4] * 7, at(2026, 4, 20))
    page, many = impact_page()
    assert len(page.context["summaries"]) == 4
    assert page.context["summaries"][1].rows[0].mean_change.value == 14.0
    assert len(many) == len(few)
