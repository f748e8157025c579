"""The wellbeing check-ins' cells (reports.checkin_cells): the report's two wellbeing tables
read them, and every figure must be the one counting the check-ins gives, at every
combination of people filters, however the check-ins and their authors change.

A check-in keeps the department, band and profession its author had when they
made it, so someone who moved counts where they were: a filter on some of the
three must still count each person once. The cells kept by each change must be
the cells a rebuild from scratch makes.
"""

import datetime
import itertools

import pytest
import time_machine
from django.core.management import call_command

from feedback.models import WellbeingCheckIn
from feedback.services.wellbeing import wellbeing_checkin_create
from kernel.models import Band, Profession, StaffProfile
from peergroups.models import SupportRequest
from reports.checkin_cells import checkin_counts, level_of
from reports.models import CHECKIN_CELL_COLUMNS, CheckinCell, CheckinShare
from reports.report import RAW, engagement_report
from reports.scope import ReportScope
from reports.services import rebuild_rollups
from reports.tables import counts_and_means
from supervision.models import Session
from tests.rollups import drained

from .small_org import build
from .test_rollups import figures

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
WINDOWS = [
    (datetime.date(2026, 9, 1), datetime.date(2026, 11, 1)),
    (datetime.date(2026, 10, 1), datetime.date(2026, 10, 1)),
    (datetime.date(2025, 12, 1), datetime.date(2026, 11, 1)),
    (datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)),  # the spring clock change
]


@pytest.fixture
def small(organisation, frozen_now):
    return build(organisation)


def kept_now() -> tuple[list[tuple], list[tuple]]:
    """Every check-in cell with check-ins in it, and every share, once the worker has
    worked out what the changes left stale."""
    drained()
    cells = CheckinCell.objects.filter(facts__gt=0).values_list(*CHECKIN_CELL_COLUMNS)
    return sorted(cells), sorted(CheckinShare.objects.values_list("user_id", "groups"))


def assert_kept_as_rebuilt() -> None:
    kept = kept_now()
    assert kept[0], "no check-in cells"
    rebuild_rollups()
    assert kept_now() == kept


def every_filter(organisation, built, windows=WINDOWS):
    """Each window with every combination of a department, a band and a profession."""
    wards = [None, *(ward.pk for ward in built["wards"].values())]
    bands = ["", Band.BAND_5, Band.BAND_6, Band.BAND_7]
    professions = ["", Profession.NURSE, Profession.AHP]
    for (first, last), ward, band, profession in itertools.product(
        windows, wards, bands, professions
    ):
        yield ReportScope(
            organisation_id=organisation.pk,
            time_zone=organisation.time_zone,
            first_month=first,
            last_month=last,
            department_id=ward,
            band=band,
            profession=profession,
        )


def assert_counted_as_the_checkins(organisation, built) -> None:
    """The cells' counts, people and means equal those of the check-ins themselves."""
    from feedback import reporting as feedback_reporting

    for scope in every_filter(organisation, built):
        raw = counts_and_means(feedback_reporting.checkins(scope), "category")
        (_, _, by_feeling, grand), by_month, overall = checkin_counts(scope)
        (_, _, raw_by_feeling, raw_grand), raw_by_month, raw_overall = raw
        assert (by_feeling, grand) == (raw_by_feeling, raw_grand), scope
        assert by_month.keys() == raw_by_month.keys(), scope
        for month, counted in by_month.items():
            assert counted["people"] == raw_by_month[month]["people"], (scope, month)
            assert counted["mean"] == pytest.approx(raw_by_month[month]["mean"]), (scope, month)
        assert overall["people"] == raw_overall["people"], scope
        assert overall["mean"] == pytest.approx(raw_overall["mean"]), scope


def checked_in(user, feeling: int, at: datetime.datetime) -> WellbeingCheckIn:
    with time_machine.travel(at, tick=False):
        return wellbeing_checkin_create(actor=user, feeling=feeling)


def test_a_level_fixes_the_dimensions_the_filter_chooses():
    assert level_of(None, "", "") == 0
    assert level_of(3, "", "") == 1
    assert level_of(None, Band.BAND_6, "") == 2
    assert level_of(None, "", Profession.NURSE) == 4
    assert level_of(3, Band.BAND_6, Profession.NURSE) == 7


def test_the_cells_count_as_the_checkins_at_every_filter(organisation, small):
    drained()
    assert_counted_as_the_checkins(organisation, small)


def test_people_who_moved_count_where_they_were_and_once_in_each_filter(organisation, small):
    """Someone checks in on ward A at band 5, moves to band 6 and then to ward B, checking
    in after each move, twice in a month: a filter on ward A counts them once over
    both bands, one on band 6 once over both wards, and each month once."""
    profile = StaffProfile.objects.get(user=small["staff"][0].user)
    person = profile.user
    checked_in(person, 2, datetime.datetime(2026, 9, 3, 9, tzinfo=UTC))
    StaffProfile.objects.filter(pk=profile.pk).update(band=Band.BAND_6)
    checked_in(person, 4, datetime.datetime(2026, 9, 20, 9, tzinfo=UTC))
    StaffProfile.objects.filter(pk=profile.pk).update(department=small["wards"]["B"])
    checked_in(person, 5, datetime.datetime(2026, 10, 2, 9, tzinfo=UTC))
    checked_in(person, 3, datetime.datetime(2026, 10, 30, 9, tzinfo=UTC))
    drained()
    assert_counted_as_the_checkins(organisation, small)
    ward_a = ReportScope(
        organisation_id=organisation.pk,
        time_zone=organisation.time_zone,
        first_month=datetime.date(2026, 9, 1),
        last_month=datetime.date(2026, 11, 1),
        department_id=small["wards"]["A"].pk,
    )
    mine = WellbeingCheckIn.objects.filter(author=person, department_id=ward_a.department_id)
    (_, _, _, grand), _, _ = checkin_counts(ward_a)
    others = WellbeingCheckIn.objects.filter(
        organisation=organisation, department_id=ward_a.department_id
    ).exclude(author=person)
    assert grand[1] == others.values("author").distinct().count() + 1
    assert grand[0] == others.count() + mine.count()


def test_the_cells_kept_by_each_change_are_those_a_rebuild_makes(organisation, small):
    staff = [profile.user for profile in small["staff"]]
    assert_kept_as_rebuilt()

    # made through the service, on either side of the clock change and of a month's end
    # in London: 00:30 on 1 October (BST) is still 30 September in UTC
    checked_in(staff[1], 1, datetime.datetime(2026, 9, 30, 23, 30, tzinfo=UTC))
    checked_in(staff[1], 5, datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    checked_in(staff[2], 3, datetime.datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    checked_in(staff[2], 4, datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    assert_kept_as_rebuilt()

    # a feeling changed, one moved into another month, one deleted
    changed = WellbeingCheckIn.objects.filter(author=staff[3]).order_by("pk")[0]
    changed.feeling = 6 - changed.feeling
    changed.save()
    moved = WellbeingCheckIn.objects.filter(author=staff[4]).order_by("pk")[0]
    moved.created_at -= datetime.timedelta(days=62)
    moved.save(update_fields=["created_at"])
    WellbeingCheckIn.objects.filter(author=staff[5]).order_by("pk")[0].delete()
    assert_kept_as_rebuilt()

    # someone moving keeps their check-ins where they were; someone erased takes theirs
    StaffProfile.objects.filter(user=staff[6]).update(
        department=small["wards"]["B"], band=Band.BAND_7
    )
    checked_in(staff[6], 2, datetime.datetime(2026, 11, 20, 9, tzinfo=UTC))
    erased = staff[7]
    assert WellbeingCheckIn.objects.filter(author=erased).exists()
    Session.objects.filter(supervisee=erased).delete()  # kept from erasure: protected
    SupportRequest.objects.filter(requester=erased).delete()
    StaffProfile.objects.filter(user=erased).delete()
    erased.delete()
    assert not CheckinShare.objects.filter(user_id=erased.pk).exists()
    assert_kept_as_rebuilt()

    assert_counted_as_the_checkins(organisation, small)
    for scope in every_filter(organisation, small, WINDOWS[:1]):
        rolled, raw = engagement_report(scope), engagement_report(scope, source=RAW)
        assert figures(rolled)["wellbeing"] == figures(raw)["wellbeing"], scope
        assert figures(rolled)["wellbeing-monthly"] == figures(raw)["wellbeing-monthly"], scope


def test_a_checkin_waits_for_the_drain_and_the_report_drains_it_first(organisation, small):
    """A check-in marks its author stale in its own transaction (nothing counted there);
    the report's read works the backlog out before counting."""
    from reports.models import RollupPending

    drained()
    scope = ReportScope(
        organisation_id=organisation.pk,
        time_zone=organisation.time_zone,
        first_month=datetime.date(2026, 11, 1),
        last_month=datetime.date(2026, 11, 1),
    )
    before = checkin_counts(scope)[0][3]
    checked_in(small["staff"][8].user, 5, datetime.datetime(2026, 11, 21, 9, tzinfo=UTC))
    assert RollupPending.objects.filter(user=small["staff"][8].user, kind="checkin").exists()
    assert checkin_counts(scope)[0][3] == before
    engagement_report(scope)
    assert checkin_counts(scope)[0][3][0] == before[0] + 1
    assert not RollupPending.objects.filter(kind="checkin").exists()


def test_migrate_fills_the_checkin_cells_of_a_database_that_has_checkins(organisation, small):
    kept = kept_now()
    CheckinCell.objects.all().delete()
    CheckinShare.objects.all().delete()
    call_command("migrate", "reports", verbosity=0)
    assert kept_now() == kept
