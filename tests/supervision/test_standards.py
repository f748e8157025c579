"""Who is up to date, due soon or overdue for supervision (supervision.standards)."""

import datetime

import pytest
import time_machine

from kernel.models import Band, PeriodKind, Profession, StaffProfile, StandardKind
from supervision.models import ProfessionStandard, Session
from supervision.standards import (
    DUE_SOON,
    NOT_APPLICABLE,
    OVERDUE,
    UP_TO_DATE,
    Rule,
    due_date,
    financial_year,
    standing_of,
    standing_on,
    standings,
)
from tests.factories import ProgrammeFactory, StaffProfileFactory

from .standards_support import held, present_at_meeting

UTC = datetime.UTC
LONDON_NOON = datetime.datetime(2027, 3, 1, 12, tzinfo=UTC)


def _every(weeks, groups=True, programme_id=None):
    return Rule(StandardKind.EVERY_WEEKS, weeks, groups, programme_id)


def test_every_eight_weeks_is_due_eight_weeks_after_the_last_held_session():
    due = due_date(
        _every(8),
        last_held=datetime.date(2027, 1, 4),
        held_in_period=0,
        baseline=datetime.date(2020, 1, 1),
    )
    assert due == datetime.date(2027, 3, 1)


def test_someone_who_never_had_supervision_is_due_after_they_started():
    due = due_date(_every(8), last_held=None, held_in_period=0, baseline=datetime.date(2027, 1, 4))
    assert due == datetime.date(2027, 3, 1)


def test_status_turns_due_soon_fourteen_days_ahead_and_overdue_the_day_after():
    due = datetime.date(2027, 3, 15)
    assert standing_on(datetime.date(2027, 2, 28), due).status == UP_TO_DATE
    assert standing_on(datetime.date(2027, 3, 1), due).status == DUE_SOON
    assert standing_on(datetime.date(2027, 3, 15), due).status == DUE_SOON
    overdue = standing_on(datetime.date(2027, 3, 16), due)
    assert overdue.status == OVERDUE
    assert overdue.overdue_since == datetime.date(2027, 3, 16)


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (datetime.date(2027, 3, 31), (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))),
        (datetime.date(2027, 4, 1), (datetime.date(2027, 4, 1), datetime.date(2028, 3, 31))),
    ],
)
def test_the_financial_year_turns_on_the_first_of_april(today, year):
    assert financial_year(today) == year


def test_four_a_year_spreads_the_due_dates_through_the_year():
    year = financial_year(datetime.date(2026, 6, 1))
    rule = Rule(StandardKind.PER_PERIOD, 4, True, None, year)
    old = datetime.date(2000, 1, 1)
    dues = [due_date(rule, last_held=None, held_in_period=n, baseline=old) for n in range(4)]
    assert dues == [
        datetime.date(2026, 7, 1),
        datetime.date(2026, 9, 30),
        datetime.date(2026, 12, 30),
        datetime.date(2027, 3, 31),
    ]
    # All four held: the next is due a quarter into next year.
    done = due_date(rule, last_held=None, held_in_period=4, baseline=old)
    assert done == datetime.date(2027, 7, 1)


def test_someone_who_starts_mid_year_is_paced_from_their_start():
    rule = Rule(StandardKind.PER_PERIOD, 2, True, None, financial_year(datetime.date(2026, 10, 1)))
    due = due_date(rule, last_held=None, held_in_period=0, baseline=datetime.date(2026, 10, 1))
    assert due == datetime.date(2026, 12, 30)


@pytest.fixture
def eight_weekly(organisation):
    return ProgrammeFactory(
        organisation=organisation,
        name="Nursing supervision",
        standard_kind=StandardKind.EVERY_WEEKS,
        standard_weeks=8,
        standard_counts_groups=False,
    )


def _nurse(organisation, **kwargs):
    return StaffProfileFactory(
        organisation=organisation, start_date=datetime.date(2025, 1, 1), **kwargs
    )


@pytest.mark.django_db
def test_a_held_session_decides_and_a_booked_one_does_not(organisation, eight_weekly):
    nurse = _nurse(organisation)
    with time_machine.travel(LONDON_NOON, tick=False):
        held(eight_weekly, nurse.user, datetime.datetime(2027, 1, 11, 10, tzinfo=UTC))
        held(
            eight_weekly,
            nurse.user,
            datetime.datetime(2027, 2, 20, 10, tzinfo=UTC),
            status=Session.Status.BOOKED,
        )
        found = standing_of(nurse)
    assert found.status == DUE_SOON
    assert found.due_on == datetime.date(2027, 3, 8)
    assert found.programme_id == eight_weekly.pk


@pytest.mark.django_db
def test_a_session_just_after_midnight_in_summer_counts_on_the_london_day(organisation):
    ProgrammeFactory(
        organisation=organisation,
        standard_kind=StandardKind.EVERY_WEEKS,
        standard_weeks=1,
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2027, 3, 31),
    )
    programme = organisation.programmes.get()
    nurse = _nurse(organisation)
    # 00:30 on 1 July in London is 23:30 on 30 June in UTC (summer time).
    held(programme, nurse.user, datetime.datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    with time_machine.travel(datetime.datetime(2026, 7, 8, 12, tzinfo=UTC), tick=False):
        assert standing_of(nurse).status == DUE_SOON  # due by 8 July, not 7 July
    with time_machine.travel(datetime.datetime(2026, 7, 9, 12, tzinfo=UTC), tick=False):
        assert standing_of(nurse).overdue_since == datetime.date(2026, 7, 9)


@pytest.mark.django_db
def test_group_meetings_count_only_where_the_programme_says_so(organisation, eight_weekly):
    nurse = _nurse(organisation)
    held(eight_weekly, nurse.user, datetime.datetime(2026, 11, 2, 10, tzinfo=UTC))
    present_at_meeting(organisation, nurse.user, datetime.datetime(2027, 2, 1, 14, tzinfo=UTC))
    with time_machine.travel(LONDON_NOON, tick=False):
        assert standing_of(nurse).status == OVERDUE
        eight_weekly.standard_counts_groups = True
        eight_weekly.save()
        counted = standing_of(nurse)
    assert counted.status == UP_TO_DATE
    assert counted.due_on == datetime.date(2027, 3, 29)


@pytest.mark.django_db
def test_apologies_for_a_meeting_do_not_count(organisation, eight_weekly):
    eight_weekly.standard_counts_groups = True
    eight_weekly.save()
    nurse = _nurse(organisation)
    present_at_meeting(
        organisation, nurse.user, datetime.datetime(2027, 2, 1, 14, tzinfo=UTC), status="apologies"
    )
    with time_machine.travel(LONDON_NOON, tick=False):
        assert standing_of(nurse).status == OVERDUE


@pytest.mark.django_db
def test_the_profession_default_applies_where_no_programme_sets_a_standard(organisation):
    plain = ProgrammeFactory(organisation=organisation)
    ProfessionStandard.objects.create(
        organisation=organisation,
        profession=Profession.NURSE,
        standard_kind=StandardKind.PER_PERIOD,
        standard_sessions=4,
    )
    nurse = _nurse(organisation)
    doctor = _nurse(organisation, profession=Profession.DOCTOR)
    held(plain, nurse.user, datetime.datetime(2026, 5, 1, 10, tzinfo=UTC))
    with time_machine.travel(datetime.datetime(2026, 9, 20, 12, tzinfo=UTC), tick=False):
        found = standings(StaffProfile.objects.filter(pk__in=[nurse.pk, doctor.pk]))
    assert found[nurse.pk].status == DUE_SOON  # the second of four is due by 30 September
    assert found[nurse.pk].due_on == datetime.date(2026, 9, 30)
    assert doctor.pk not in found or found[doctor.pk].status == NOT_APPLICABLE


@pytest.mark.django_db
def test_a_programme_standard_applies_only_to_people_who_may_use_it(organisation, eight_weekly):
    eight_weekly.eligible_everyone = False
    eight_weekly.eligible_bands = [Band.BAND_7]
    eight_weekly.save()
    band6 = _nurse(organisation, band=Band.BAND_6)
    band7 = _nurse(organisation, band=Band.BAND_7)
    with time_machine.travel(LONDON_NOON, tick=False):
        found = standings(StaffProfile.objects.filter(pk__in=[band6.pk, band7.pk]))
    assert found[band6.pk].status == NOT_APPLICABLE
    assert found[band7.pk].status == OVERDUE


@pytest.mark.django_db
def test_standings_ask_the_same_queries_for_many_people(
    organisation, eight_weekly, django_assert_num_queries
):
    for _ in range(3):
        held(eight_weekly, _nurse(organisation).user, datetime.datetime(2027, 1, 4, tzinfo=UTC))
    queryset = StaffProfile.objects.filter(organisation=organisation)
    # organisations, programmes with standards, their departments, profession
    # defaults, time zones, the people with their held sessions and meetings
    with django_assert_num_queries(6):
        standings(queryset)
    for _ in range(5):
        held(eight_weekly, _nurse(organisation).user, datetime.datetime(2027, 1, 4, tzinfo=UTC))
    with django_assert_num_queries(6):
        found = standings(queryset)
    assert len(found) == queryset.count()


# --- A standard adopted today makes nobody overdue for the years before it ----------


def test_a_standard_counts_from_the_day_it_was_set_not_from_when_the_person_started():
    rule = Rule(StandardKind.EVERY_WEEKS, 8, True, None, since=datetime.date(2027, 1, 4))
    started_2018 = datetime.date(2018, 1, 2)
    due = due_date(rule, last_held=None, held_in_period=0, baseline=started_2018)
    assert due == datetime.date(2027, 3, 1)
    # A session long before the standard does not make it due long ago either...
    old = due_date(
        rule, last_held=datetime.date(2019, 5, 1), held_in_period=0, baseline=started_2018
    )
    assert old == datetime.date(2027, 3, 1)
    # ...while one after it counts as before.
    recent = due_date(
        rule, last_held=datetime.date(2027, 2, 1), held_in_period=0, baseline=started_2018
    )
    assert recent == datetime.date(2027, 3, 29)


def test_a_programme_given_a_standard_counts_it_from_that_day_and_again_when_it_changes(
    organisation,
):
    from supervision.services.programmes import programme_create, programme_update

    admin = StaffProfileFactory(organisation=organisation).user
    with time_machine.travel(datetime.datetime(2027, 1, 4, 23, 30, tzinfo=UTC), tick=False):
        programme = programme_create(
            actor=admin,
            organisation=organisation,
            name="Every eight weeks",
            period_kind=PeriodKind.ROLLING,
            standard_kind=StandardKind.EVERY_WEEKS,
            standard_weeks=8,
        )
    assert programme.standard_from == datetime.date(2027, 1, 4)  # London's date (GMT)
    with time_machine.travel(datetime.datetime(2027, 2, 1, 12, tzinfo=UTC), tick=False):
        programme_update(actor=admin, programme=programme, name="Renamed")
        programme.refresh_from_db()
        assert programme.standard_from == datetime.date(2027, 1, 4)  # the standard is the same
        programme_update(actor=admin, programme=programme, standard_weeks=6)
        programme.refresh_from_db()
        assert programme.standard_from == datetime.date(2027, 2, 1)
        programme_update(actor=admin, programme=programme, standard_kind=StandardKind.NONE)
        programme.refresh_from_db()
        assert programme.standard_from is None


def test_a_long_serving_nurse_is_not_overdue_since_they_started_when_the_standard_is_new(
    organisation,
):
    from supervision.services.standards import profession_standard_set

    admin = StaffProfileFactory(organisation=organisation).user
    nurse = StaffProfileFactory(
        organisation=organisation,
        profession=Profession.NURSE,
        band=Band.BAND_6,
        start_date=datetime.date(2018, 1, 2),
    )
    with time_machine.travel(datetime.datetime(2027, 1, 4, 12, tzinfo=UTC), tick=False):
        default = profession_standard_set(
            actor=admin,
            organisation=organisation,
            profession=Profession.NURSE,
            standard_kind=StandardKind.EVERY_WEEKS,
            standard_weeks=8,
            standard_sessions=None,
            standard_counts_groups=True,
        )
        assert default is not None
        assert default.standard_from == datetime.date(2027, 1, 4)
    with time_machine.travel(datetime.datetime(2027, 3, 2, 12, tzinfo=UTC), tick=False):
        standing = standing_of(nurse)
    assert standing.status == OVERDUE
    assert standing.overdue_since == datetime.date(2027, 3, 2)
