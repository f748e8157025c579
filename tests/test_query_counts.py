"""Every page `make bench` drives runs as many queries with 100 rows of its data as with 1.

One case per page of bench/pages.py: the role that uses the page, its address,
and a way to add rows of the data the page lists or counts (sessions,
supervisors, availability, meetings and members, staff, report history). The
page is asked for once to settle the session, then counted with 1 row and
again with 100.
"""

import dataclasses
import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.pages import PAGE_KEYS
from feedback.models import FeedbackAnswer, FeedbackQuestion, FeedbackResponse, WellbeingCheckIn
from kernel.models import Role, Theme
from peergroups.models import Attendance, Group, GroupSession, Membership
from supervision.models import (
    AvailabilityException,
    AvailabilitySlot,
    Session,
    SessionRecord,
    TrainingRecord,
    WeeklyAvailability,
)

from .factories import (
    AgreementFactory,
    RoleGrantFactory,
    StaffProfileFactory,
    SupervisorProfileFactory,
)
from .rollups import drained

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TEAMS = "https://teams.microsoft.com/l/meetup-join/bench"


def _session(programme, supervisor, supervisee, starts_at, status=Session.Status.BOOKED):
    return Session.objects.create(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
        status=status,
        meeting_link=TEAMS,
    )


def _future(now, n):
    return now + datetime.timedelta(days=2, hours=n)


class World:
    """A trust with a nurse in an agreement, her supervisor, a group, a lead and an admin."""

    def __init__(self, organisation, programme, agreement, now):
        self.organisation = organisation
        self.programme = programme
        self.agreement = agreement
        self.nurse = agreement.supervisee
        self.supervisor = agreement.supervisor
        self.now = now
        self.rows = itertools.count()

    def person(self, **kwargs):
        return StaffProfileFactory(organisation=self.organisation, **kwargs).user

    def nurse_sessions(self, count):
        """Past sessions (logged, to confirm), recent ones to give feedback on, and
        upcoming ones for the nurse."""
        for _ in range(count):
            n = next(self.rows)
            past = _session(
                self.programme,
                self.supervisor,
                self.nurse,
                self.now - datetime.timedelta(days=200, hours=-3 * n),
                Session.Status.ATTENDED,
            )
            SessionRecord.objects.create(session=past, actual_minutes=60)
            _session(
                self.programme,
                self.supervisor,
                self.nurse,
                self.now - datetime.timedelta(days=20, hours=-3 * n),
                Session.Status.ATTENDED,
            )
            _session(self.programme, self.supervisor, self.nurse, _future(self.now, 3 * n))

    def supervisor_sessions(self, count):
        """Sessions with other supervisees: logged, still to log, and to come."""
        for _ in range(count):
            n = next(self.rows)
            someone = self.person()
            start = self.now - datetime.timedelta(days=100, hours=-3 * n)
            logged = _session(
                self.programme, self.supervisor, someone, start, Session.Status.ATTENDED
            )
            SessionRecord.objects.create(session=logged, actual_minutes=60)
            _session(
                self.programme,
                self.supervisor,
                someone,
                self.now - datetime.timedelta(days=50, hours=-3 * n),
            )
            _session(self.programme, self.supervisor, someone, _future(self.now, 3 * n + 1))

    def availability(self, count):
        """The supervisor's one-off times, weekly windows and time away."""
        for _ in range(count):
            n = next(self.rows)
            day = self.now + datetime.timedelta(days=1 + n)
            AvailabilitySlot.objects.create(
                supervisor=self.supervisor,
                starts_at=day.replace(hour=8, minute=0),
                ends_at=day.replace(hour=9, minute=0),
                meeting_link=TEAMS,
            )
            AvailabilityException.objects.create(
                supervisor=self.supervisor,
                starts_at=day.replace(year=2027, hour=12, minute=0),
                ends_at=day.replace(year=2027, hour=13, minute=0),
            )
            WeeklyAvailability.objects.create(
                supervisor=self.supervisor,
                weekday=n % 5,
                start_time=datetime.time(7 + n % 10, 0),
                end_time=datetime.time(7 + n % 10, 30),
                valid_from=datetime.date(2026, 1, 1),
                meeting_link=TEAMS,
            )

    def supervisors(self, count):
        """More supervisors in the programme, each trained, offering times, supervising."""
        for _ in range(count):
            user = self.person()
            RoleGrantFactory(user=user, organisation=self.organisation, role=Role.SUPERVISOR)
            profile = SupervisorProfileFactory(user=user, programmes=[self.programme])
            TrainingRecord.objects.create(
                supervisor=profile, kind="restorative", completed_on=datetime.date(2025, 5, 1)
            )
            WeeklyAvailability.objects.create(
                supervisor=user,
                weekday=2,
                start_time=datetime.time(10),
                end_time=datetime.time(12),
                valid_from=datetime.date(2026, 1, 1),
                meeting_link=TEAMS,
            )
            AgreementFactory(programme=self.programme, supervisor=user, supervisee=self.person())

    def staff(self, count):
        for _ in range(count):
            user = self.person()
            RoleGrantFactory(user=user, organisation=self.organisation, role=Role.FACILITATOR)

    def group(self, facilitator):
        group = Group.objects.create(
            programme=self.programme,
            organisation=self.organisation,
            name="Reflective practice",
            group_type="reflective_practice",
            weekday=1,
            start_time=datetime.time(14),
            end_time=datetime.time(15),
            starts_on=datetime.date(2025, 1, 1),
        )
        group.facilitators.add(facilitator)
        return group

    def group_rows(self, group, count):
        """Past meetings with registers, meetings to come, and people waiting for a place."""
        for _ in range(count):
            n = next(self.rows)
            members = list(
                group.memberships.filter(state=Membership.State.ACTIVE).values_list(
                    "user_id", flat=True
                )
            )
            if len(members) < group.capacity:
                member = self.person()
                Membership.objects.create(
                    group=group, user=member, state=Membership.State.ACTIVE, joined_at=self.now
                )
                members.append(member.pk)
            else:
                Membership.objects.create(
                    group=group,
                    user=self.person(),
                    state=Membership.State.WAITING,
                    waiting_since=self.now,
                )
            for when in (-1 - n, 1 + n):
                starts = self.now + datetime.timedelta(days=7 * when)
                meeting = GroupSession.objects.create(
                    group=group,
                    occurrence=starts.date(),
                    starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=1),
                )
                if when < 0:
                    Attendance.objects.bulk_create(
                        Attendance(session=meeting, user_id=uid, status="absent") for uid in members
                    )

    def report_rows(self, count, theme, question):
        """People with an attended session (themes, feedback) and a wellbeing check-in."""
        for _ in range(count):
            n = next(self.rows)
            # Half in the nurse's ward (the filtered report), half elsewhere.
            department = self.nurse.profile.department if n % 2 else None
            profile = StaffProfileFactory(
                organisation=self.organisation,
                **({"department": department} if department else {}),
            )
            starts = self.now - datetime.timedelta(days=30 + n % 200, hours=n)
            session = _session(
                self.programme, self.supervisor, profile.user, starts, Session.Status.ATTENDED
            )
            record = SessionRecord.objects.create(session=session, actual_minutes=60)
            record.themes.add(theme)
            response = FeedbackResponse.objects.create(
                author=profile.user,
                programme=self.programme,
                session=session,
                supervisor=self.supervisor,
            )
            FeedbackAnswer.objects.create(response=response, question=question, rating=1 + n % 5)
            checkin = WellbeingCheckIn.objects.create(
                author=profile.user,
                organisation=self.organisation,
                department_id=profile.department_id,
                band=profile.band,
                profession=profile.profession,
                feeling=1 + n % 5,
            )
            WellbeingCheckIn.objects.filter(pk=checkin.pk).update(created_at=starts)


@pytest.fixture
def world(organisation, agreement, programme, frozen_now):
    return World(organisation, programme, agreement, frozen_now)


# Each case: (who asks, the address, add(count) rows of what the page shows).
def _healthz(world, users):
    return None, reverse("healthz"), world.nurse_sessions


def _nurse_home(world, users):
    return world.nurse, reverse("supervision:home"), world.nurse_sessions


def _supervisors(world, users):
    return world.nurse, reverse("supervision:supervisors"), world.supervisors


def _supervisor(world, users):
    def add(count):
        world.availability(count)
        world.supervisor_sessions(count)

    address = reverse("supervision:supervisor", args=[world.supervisor.supervisor_profile.pk])
    return world.nurse, address, add


def _booking(world, users):
    address = reverse("supervision:agreement_book", args=[world.agreement.pk])
    return world.nurse, address, _supervisor(world, users)[2]


def _sessions(world, users):
    return world.nurse, reverse("supervision:sessions"), world.nurse_sessions


def _availability(world, users):
    def add(count):
        world.availability(count)
        world.supervisor_sessions(count)

    return world.supervisor, reverse("supervision:availability"), add


def _supervisor_sessions(world, users):
    return world.supervisor, reverse("supervision:sessions"), world.supervisor_sessions


def _unlogged(world, users):
    return world.supervisor, reverse("supervision:sessions_unlogged"), world.supervisor_sessions


def _group(world, users):
    group = world.group(users["facilitator"])
    address = reverse("peergroups:group", args=[group.pk])
    return users["facilitator"], address, lambda count: world.group_rows(group, count)


def _report(world, users):
    theme = Theme.objects.create(organisation=world.organisation, name="Workload")
    question = FeedbackQuestion.objects.create(
        programme=world.programme, text="The session was useful", kind="rating", position=1
    )
    department = world.nurse.profile.department
    address = reverse("reports:engagement") + (
        f"?first_month=2025-12&last_month=2026-11&department={department.pk}"
    )

    def add_rows(count):
        world.report_rows(count, theme, question)
        # The worker works the new rows' roll-ups out within seconds: the page's own
        # drain then finds nothing waiting (one query; what a drain costs is counted
        # in test_the_reports_drain_costs_as_many_queries_for_50_people_as_for_1).
        drained()

    return users["wellbeing_lead"], address, add_rows


def _people(world, users):
    return users["programme_admin"], reverse("supervision:people"), world.staff


CASES = {
    "healthz": _healthz,
    "nurse_home": _nurse_home,
    "supervisors": _supervisors,
    "supervisor": _supervisor,
    "booking": _booking,
    "sessions": _sessions,
    "availability": _availability,
    "supervisor_sessions": _supervisor_sessions,
    "unlogged": _unlogged,
    "group": _group,
    "report": _report,
    "people": _people,
}


def _count(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200, (address, response.status_code)
    return len(queries)


def test_every_benchmarked_page_has_a_case_here():
    assert set(CASES) == set(PAGE_KEYS)


@pytest.mark.parametrize("page", PAGE_KEYS)
def test_page_runs_as_many_queries_with_100_rows_as_with_1(
    client, world, facilitator, wellbeing_lead, programme_admin, page
):
    users = {
        "facilitator": facilitator,
        "wellbeing_lead": wellbeing_lead,
        "programme_admin": programme_admin,
    }
    user, address, add_rows = CASES[page](world, users)
    if user is not None:
        client.force_login(user)
    add_rows(1)
    client.get(address)  # settles the session's clocks
    one = _count(client, address)
    add_rows(99)
    # Again once: a page that caches what it shows (the report: a drain that changed
    # the roll-ups forgets its cached copy) is counted as served, as it was with 1.
    client.get(address)
    assert _count(client, address) == one


@pytest.mark.parametrize("url_name", ["supervision:home", "supervision:sessions"])
def test_group_meetings_on_the_home_and_sessions_pages_ask_no_query_a_meeting(
    client, world, facilitator, url_name
):
    """A member's group meetings (peergroups.summaries._coming_up): every column the
    lists show comes with the meetings."""
    group = world.group(facilitator)
    Membership.objects.create(
        group=group, user=world.nurse, state=Membership.State.ACTIVE, joined_at=world.now
    )
    address = reverse(url_name)
    client.force_login(world.nurse)
    world.group_rows(group, 1)
    client.get(address)
    one = _count(client, address)
    world.group_rows(group, 9)
    assert _count(client, address) == one
    assert "Reflective practice" in client.get(address).content.decode()


def test_an_agreements_page_runs_as_many_queries_with_100_sessions_as_with_1(client, world):
    """An agreement's page lists its sessions as the history does (SessionQuerySet
    .tabled): both people and the programme come with each session, not a query a row."""
    agreement = world.agreement

    def add(count):
        world.nurse_sessions(count)
        Session.objects.filter(supervisee=world.nurse).update(agreement=agreement)

    address = reverse("supervision:agreement", args=[agreement.pk])
    client.force_login(world.nurse)
    add(1)
    client.get(address)
    one = _count(client, address)
    add(99)
    assert _count(client, address) == one


def _report_queries(scope) -> list[str]:
    from reports.report import engagement_report

    drained()  # by the worker: the report's own drain finds nothing (one query)
    with CaptureQueriesContext(connection) as queries:
        engagement_report(scope)  # uncached: every table counted again
    return [query["sql"] for query in queries.captured_queries]


def test_the_report_from_its_rollups_runs_as_many_queries_with_100_people_as_with_1(world):
    """The page above is served from the report cache once built; this counts the
    report itself, from the roll-ups, as a new combination of filters builds it."""
    from reports.scope import ReportScope

    theme = Theme.objects.create(organisation=world.organisation, name="Workload")
    question = FeedbackQuestion.objects.create(
        programme=world.programme, text="The session was useful", kind="rating", position=1
    )
    scopes = [
        ReportScope(
            organisation_id=world.organisation.pk,
            time_zone="Europe/London",
            first_month=datetime.date(2025, 12, 1),
            last_month=datetime.date(2026, 11, 1),
            **filters,
        )
        for filters in ({}, {"department_id": world.nurse.profile.department_id})
    ]
    world.report_rows(1, theme, question)
    before = [_report_queries(scope) for scope in scopes]
    assert all(any("reports_reportcell" in sql for sql in found) for found in before)
    world.report_rows(99, theme, question)
    assert [len(_report_queries(scope)) for scope in scopes] == [len(found) for found in before]


def test_the_report_reads_its_rollups_in_one_statement_previous_period_included(world):
    """Every roll-up table of the report and of the headline's previous period comes
    from one statement (reports.reporting.CellCounts), however many tables and
    filters; a builder that counted its own would add one."""
    from reports.scope import ReportScope

    theme = Theme.objects.create(organisation=world.organisation, name="Workload")
    question = FeedbackQuestion.objects.create(
        programme=world.programme, text="The session was useful", kind="rating", position=1
    )
    world.report_rows(10, theme, question)
    scope = ReportScope(
        organisation_id=world.organisation.pk,
        time_zone="Europe/London",
        first_month=datetime.date(2025, 12, 1),
        last_month=datetime.date(2026, 11, 1),
    )
    for filters in ({}, {"department_id": world.nurse.profile.department_id}):
        found = _report_queries(dataclasses.replace(scope, **filters))
        assert sum("reports_reportcell" in sql for sql in found) == 1


def test_keeping_the_rollups_costs_as_many_queries_after_years_of_sessions_as_after_one(world):
    """A booking and its log refresh one person's roll-up rows: the same statements
    whether they have one session behind them or a hundred."""

    def saves(person) -> list[int]:
        starts = world.now + datetime.timedelta(days=3, hours=next(world.rows))
        counts = []
        with CaptureQueriesContext(connection) as booked:
            session = _session(
                world.programme, world.supervisor, person, starts, Session.Status.BOOKED
            )
        counts.append(len(booked))
        session.status = Session.Status.ATTENDED
        with CaptureQueriesContext(connection) as logged:
            session.save()
        counts.append(len(logged))
        return counts

    new, long_serving = world.person(), world.person()
    for month in range(100):
        starts = world.now - datetime.timedelta(days=7 * month + 1)
        _session(world.programme, world.supervisor, long_serving, starts, Session.Status.ATTENDED)
    drained()  # their history worked out, as the worker would
    # The session saved, and its person marked stale (reports.services.rollups_mark_stale).
    assert saves(new) == saves(long_serving) == [2, 2]


def test_the_reports_drain_costs_as_many_queries_for_50_people_as_for_1(world):
    """The report first works out the roll-ups changes left stale in its organisation
    (reports.report.caught_up): four queries when nothing waits (the backlog, and
    the people who moved since their share of the cells was counted: the
    programmes, their eligible departments, who differs), and a fixed number
    of statements however many people wait, up to its limit (reports.services.
    DRAIN_LIMIT): the backlog counted, the rows taken, the people locked, their
    sessions read, their roll-up rows read, the new ones written, the rows
    deleted. (50, not 100: SQLite writes at most 58 roll-up rows a statement.)"""
    from reports.models import RollupPending
    from reports.report import caught_up
    from reports.scope import ReportScope

    scope = ReportScope(
        organisation_id=world.organisation.pk,
        time_zone="Europe/London",
        first_month=datetime.date(2025, 12, 1),
        last_month=datetime.date(2026, 11, 1),
    )

    def drain_of(count: int) -> int:
        for n in range(count):
            starts = world.now - datetime.timedelta(days=3, hours=n)
            _session(world.programme, world.supervisor, world.person(), starts)
        assert RollupPending.objects.count() == count
        with CaptureQueriesContext(connection) as drain:
            assert caught_up(scope) is None
        assert not RollupPending.objects.exists()
        return len(drain)

    drained()
    with CaptureQueriesContext(connection) as nothing:
        assert caught_up(scope) is None
    assert len(nothing) == 4
    assert drain_of(1) == drain_of(50)
