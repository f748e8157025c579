"""The report's roll-ups: the same figures as counting the sessions, however they change.

The report reads its session and group-meeting tables from reports.models.
ActivityRollup; `engagement_report(scope, source=RAW)` still counts the
sessions and register entries themselves. Every table of every filter and
window enumerated here must come out cell for cell the same (value, people
behind it, hidden, rounded), and the rows kept up by each change must be the
rows a rebuild from scratch makes.
"""

import dataclasses
import datetime
import itertools

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.anonymise import user_anonymise
from feedback.models import FeedbackAnswer, FeedbackResponse
from kernel.models import Band, Organisation, Profession, StaffProfile, Theme
from nonprod.demo import load_demo_data
from nonprod.history import generate_benchmark_history, generate_demo_history
from peergroups.models import Attendance, Group, GroupSession
from reports.models import (
    CELL_COLUMNS,
    GAPS,
    MONTH_FIELDS,
    ActivityRollup,
    PersonShare,
    ReportCell,
)
from reports.report import RAW, board_scope, engagement_report
from reports.reporting import CellCounts
from reports.scope import ReportScope
from reports.services import rebuild_rollups, rollups_catch_up
from supervision.allowances import add_months
from supervision.models import Session, SessionRecord
from tests.rollups import drained
from tests.scenario import NOW

from ..factories import (
    DepartmentFactory,
    ProgrammeFactory,
    StaffProfileFactory,
    SupervisorProfileFactory,
    WeeklyAvailabilityFactory,
)
from .small_org import build

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
WINDOWS = [
    (datetime.date(2026, 9, 1), datetime.date(2026, 11, 1)),
    (datetime.date(2026, 10, 1), datetime.date(2026, 10, 1)),
    (datetime.date(2025, 12, 1), datetime.date(2026, 11, 1)),  # across a new year
    (datetime.date(2026, 11, 1), datetime.date(2027, 1, 1)),  # the month under way, and after
]


def figures(report) -> dict:
    """Every cell of every table, as shown and as counted."""
    return {
        slug: [
            (position, item.value, item.people, item.hidden, item.reason, item.rounded)
            for position, item in table.positions()
        ]
        for slug, table in report.tables.items()
    }


def assert_same_figures(scope: ReportScope) -> None:
    rolled = engagement_report(scope)
    raw = engagement_report(scope, source=RAW)
    assert figures(rolled) == figures(raw), scope
    # the headlines compare with the previous period, counted the same way
    assert repr(rolled.headlines) == repr(raw.headlines), scope


def scopes(organisation, built, windows=WINDOWS):
    wards = [ward.pk for ward in built["wards"].values()]
    programmes = [programme.pk for programme in built["programmes"]]
    filters = [
        {},
        *({"department_id": ward} for ward in wards),
        *({"band": band} for band in (Band.BAND_5, Band.BAND_6, Band.BAND_7)),
        *({"profession": profession} for profession in (Profession.NURSE, Profession.AHP)),
        *({"programme_id": programme} for programme in programmes),
        {"department_id": wards[0], "band": Band.BAND_6},
        {"department_id": wards[1], "programme_id": programmes[0], "profession": Profession.NURSE},
    ]
    for (first, last), chosen in itertools.product(windows, filters):
        yield ReportScope(
            organisation_id=organisation.pk,
            time_zone=organisation.time_zone,
            first_month=first,
            last_month=last,
            **chosen,
        )


def rows_now() -> list[tuple]:
    """Every roll-up row, once the worker has worked out what changes left stale: every
    test here reads them through this, as the report reads them after its own drain."""
    drained()
    return sorted(
        ActivityRollup.objects.values_list(
            "user_id", "organisation_id", "programme_id", "kind", "key", "year", *MONTH_FIELDS
        )
    )


def cells_now() -> tuple[list[tuple], list[tuple]]:
    """Every cell with people in it, and every share, once each organisation's report
    would have caught up (reports.services.rollups_catch_up) and the worker has too."""
    for organisation in Organisation.objects.all():
        rollups_catch_up(organisation.pk)
    drained()
    cells = ReportCell.objects.filter(p0__gt=0).values_list(*CELL_COLUMNS)
    shares = PersonShare.objects.values_list(
        "user_id", "organisation_id", "department_id", "band", "profession", "active", "groups"
    )
    return sorted(cells), sorted(shares)


def assert_kept_as_rebuilt() -> None:
    kept, cells = rows_now(), cells_now()
    rebuild_rollups()
    assert rows_now() == kept
    assert cells_now() == cells


@pytest.fixture
def small(organisation, frozen_now):
    return build(organisation)


def test_every_table_and_filter_is_the_same_from_the_rollups(organisation, small):
    assert rows_now()
    for scope in scopes(organisation, small):
        assert_same_figures(scope)


def test_the_longest_window_and_the_period_before_it_count_as_the_sessions_do(
    organisation, frozen_now
):
    # 36 months (the most the form offers, and the gaps the cells keep) and the 36
    # before them, with history in both windows, before them and across new years.
    first = datetime.date(2024, 2, 1)
    last = add_months(first, 35)
    assert GAPS == 36
    history = [(2021, 3), (2023, 12), (2024, 2), (2025, 6), (2026, 9), (2026, 11)]
    built = build(organisation, months=history)
    for scope in scopes(organisation, built, windows=[(first, last)]):
        assert_same_figures(scope)


def test_the_cells_count_the_people_of_every_window_once(organisation, small):
    # A window's people are summed from each month's people by the gap since their
    # previous month: every window from one to 36 months must give the distinct
    # people with a session in it (at every slice and for one programme too).
    history = [row for row in rows_now() if row[3] == "session"]
    by_person: dict[int, set[int]] = {}
    for user_id, _, _, _, _, year, *months in history:
        for index, n in enumerate(months):
            if n:
                by_person.setdefault(user_id, set()).add(year * 12 + index)
    first = min(min(months) for months in by_person.values())
    last = max(max(months) for months in by_person.values())
    checked = 0
    for start in range(first - 2, last + 1):
        for length in (1, 2, 3, 5, 12, 24, 36):
            scope = ReportScope(
                organisation_id=organisation.pk,
                time_zone=organisation.time_zone,
                first_month=datetime.date(start // 12, start % 12 + 1, 1),
                last_month=add_months(datetime.date(start // 12, start % 12 + 1, 1), length - 1),
            )
            counted = CellCounts([scope]).found(scope, "kind").get("session")
            people = sum(
                1 for months in by_person.values() if months & set(range(start, start + length))
            )
            assert (counted[1][1] if counted else 0) == people, (start, length)
            checked += people
    assert checked > 100
    too_long = dataclasses.replace(scope, last_month=add_months(scope.first_month, GAPS))
    with pytest.raises(ValueError, match="37 months"):
        CellCounts([too_long]).found(too_long, "kind")


def test_the_rollups_kept_by_each_change_are_those_a_rebuild_makes(organisation, small):
    staff = [profile.user for profile in small["staff"]]
    one, senior, _ = small["programmes"]
    supervisor = small["supervisors"][0].user
    assert_kept_as_rebuilt()

    # booked, logged, cancelled late, cancelled by the supervisor, moved across a month
    starts = datetime.datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 31 October in London (GMT)
    booked = Session.objects.create(
        programme=one,
        supervisor=supervisor,
        supervisee=staff[0],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    booked.status = Session.Status.ATTENDED
    booked.save()
    late = Session.objects.filter(supervisee=staff[1]).exclude(status="cancelled").order_by("pk")[0]
    late.status, late.cancelled_by, late.late_cancellation = "cancelled", "supervisee", True
    late.cancelled_at = late.starts_at - datetime.timedelta(hours=1)
    late.save()
    moved = Session.objects.filter(supervisee=staff[2]).order_by("starts_at")[0]
    moved.starts_at += datetime.timedelta(days=40)
    moved.ends_at += datetime.timedelta(days=40)
    moved.save(update_fields=["starts_at", "ends_at"])
    moved.programme = senior
    moved.save()
    Session.objects.filter(supervisee=staff[3]).order_by("-starts_at")[0].delete()
    assert_kept_as_rebuilt()

    # a register changed, a meeting moved into another month, one cancelled, one deleted
    group = Group.objects.get(organisation=organisation)
    meetings = list(GroupSession.objects.filter(group=group).order_by("starts_at"))
    entry = Attendance.objects.filter(session=meetings[0]).order_by("pk")[0]
    entry.status = Attendance.Status.PRESENT if entry.status != "present" else "absent"
    entry.save()
    Attendance.objects.create(session=meetings[0], user=staff[12], status="present")
    Attendance.objects.filter(session=meetings[0], user=staff[1]).delete()
    meetings[1].starts_at += datetime.timedelta(days=35)
    meetings[1].ends_at += datetime.timedelta(days=35)
    meetings[1].save()
    meetings[2].status = GroupSession.Status.CANCELLED
    meetings[2].save()
    assert_kept_as_rebuilt()
    meetings[0].delete()
    assert_kept_as_rebuilt()

    # themes recorded and taken off, a theme deleted; feedback given, changed, deleted
    record, other = SessionRecord.objects.order_by("pk")[:2]
    extra = Theme.objects.create(organisation=organisation, name="Rota gaps")
    record.themes.add(extra)
    record.themes.remove(*record.themes.exclude(pk=extra.pk))
    other.themes.set([extra])
    assert_kept_as_rebuilt()
    extra.delete()
    answer = FeedbackAnswer.objects.filter(rating__isnull=False).order_by("pk")[0]
    answer.rating = 6 - (answer.rating or 0)
    answer.save()
    FeedbackAnswer.objects.exclude(pk=answer.pk).filter(rating__isnull=False).order_by("-pk")[
        0
    ].delete()
    FeedbackResponse.objects.exclude(answers=answer).filter(answers__isnull=False).order_by("-pk")[
        0
    ].delete()
    assert_kept_as_rebuilt()

    # people moving department and band, leaving, erased: nothing of them is copied,
    # so the rows stay as they are and the report follows them
    elsewhere = DepartmentFactory(organisation=organisation, name="Ward C")
    StaffProfile.objects.filter(user=staff[4]).update(department=elsewhere, band=Band.BAND_7)
    profile = StaffProfile.objects.get(user=staff[5])
    profile.band = Band.BAND_5
    profile.save()
    staff[6].is_active = False
    staff[6].save()
    staff[7].is_active = False
    staff[7].save()
    user_anonymise(actor=supervisor, user=staff[7])
    assert_kept_as_rebuilt()

    # a programme's rules changed (who is eligible, what uses the allowance) and a
    # programme added: every share of the cells is counted again
    one.eligible_everyone, one.eligible_bands = False, [Band.BAND_6]
    one.late_cancellation_counts = not one.late_cancellation_counts
    one.save()
    ProgrammeFactory(organisation=organisation, name="Preceptorship")
    assert_kept_as_rebuilt()

    small["wards"]["C"] = elsewhere
    windows = [WINDOWS[0], WINDOWS[2]]
    for scope in scopes(organisation, small, windows):
        assert_same_figures(scope)


def test_erasing_someone_takes_their_rollups(organisation, small):
    person = small["staff"][9].user  # at group meetings, no peer-support request
    Session.objects.filter(supervisee=person).delete()
    kinds = {row[3] for row in rows_now() if row[0] == person.pk}
    assert "session" not in kinds
    assert "group" in kinds
    StaffProfile.objects.filter(user=person).delete()
    person.delete()  # the register entries go with them, and so do the roll-ups
    assert not [row for row in rows_now() if row[0] == person.pk]
    assert_kept_as_rebuilt()


def test_migrate_fills_empty_rollups_of_a_database_that_has_sessions(organisation, small):
    built = rows_now()
    ActivityRollup.objects.all().delete()
    call_command("migrate", "reports", verbosity=0)
    assert rows_now() == built
    ActivityRollup.objects.filter(kind="group").delete()
    call_command("migrate", "reports", verbosity=0)  # not empty: left alone
    assert not ActivityRollup.objects.filter(kind="group").exists()


def test_rebuild_rollups_command_says_what_it_made(organisation, small, capsys):
    ActivityRollup.objects.all().delete()
    call_command("rebuild_rollups")
    rows, cells = ActivityRollup.objects.count(), ReportCell.objects.count()
    assert capsys.readouterr().out.startswith(f"Rebuilt {rows} roll-up rows and {cells} cells")
    assert cells
    assert ActivityRollup.objects.filter(kind="group").exists()


@pytest.fixture(scope="module")
def demo_and_generated(django_db_setup, django_db_blocker):
    """The demo organisations with a smaller year of history, and one generated
    organisation, built once for the module and rolled back after it."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=False),
        transaction.atomic(),
    ):
        load_demo_data()
        generate_demo_history(westfield_staff=120, northgate_staff=30, months=12, seed=7)
        generate_benchmark_history(organisations=1, staff=300, sessions=1500, months=14, seed=3)
        yield
        transaction.set_rollback(True)


def test_the_demo_and_a_generated_organisation_report_the_same_from_the_rollups(
    demo_and_generated,
):
    with time_machine.travel(NOW, tick=False):
        for organisation in Organisation.objects.order_by("pk"):
            board = board_scope(organisation)
            departments = list(organisation.departments.order_by("pk")[:2])
            programmes = list(organisation.programmes.order_by("pk"))
            filters = [
                {},
                *({"department_id": d.pk} for d in departments),
                *({"programme_id": p.pk} for p in programmes),
                {"band": Band.BAND_6},
                {"profession": Profession.NURSE},
            ]
            windows = [
                (board.first_month, board.last_month),
                (board.last_month, add_months(board.last_month, 1)),  # with the month under way
            ]
            for (first, last), chosen in itertools.product(windows, filters):
                assert_same_figures(
                    dataclasses.replace(board, first_month=first, last_month=last, **chosen)
                )


def made_up_windows(supervisors, seed: int) -> list[tuple]:
    """(supervisor, weekday, valid from, valid until or None): one to three weekly windows
    of each supervisor, starting and ending anywhere, repeatably."""
    import random

    chooser = random.Random(seed)  # noqa: S311 (made-up windows, repeatable)
    day = datetime.timedelta(days=1)
    windows = []
    for supervisor in supervisors:
        for _ in range(chooser.randint(1, 3)):
            valid_from = datetime.date(2025, 6, 1) + chooser.randint(0, 700) * day
            valid_until = (
                None
                if chooser.random() < 0.4
                else valid_from + chooser.choice([0, 1, 3, 6, 20, 40, 200]) * day
            )
            windows.append((supervisor, chooser.randint(0, 6), valid_from, valid_until))
    return windows


def test_weekly_windows_are_counted_as_day_by_day_counting_counts_them():
    """supervision.reporting.weekly_windows_by_month against the plain loop it replaced
    (every window, every month, day by day), on windows starting and ending anywhere."""
    from supervision.reporting import _weekdays_in_month, weekly_windows_by_month

    months = [add_months(datetime.date(2025, 11, 1), n) for n in range(14)]
    windows = made_up_windows(range(60), seed=19)
    weeks = [0] * len(months)
    people: list[set[int]] = [set() for _ in months]
    for supervisor, weekday, valid_from, valid_until in windows:
        for index, month in enumerate(months):
            found = _weekdays_in_month(month, weekday, valid_from, valid_until)
            if found:
                weeks[index] += found
                people[index].add(supervisor)
    assert weekly_windows_by_month(months, windows) == (weeks, [len(p) for p in people])
    assert sum(weeks) > 0


def test_weekly_windows_are_counted_in_the_database_as_in_python(organisation, small):
    """supervision.reporting.offered's weekly windows counted in the database (what the
    report counts: weekly_offered) against weekly_windows_by_month (held to the
    day-by-day loop above), on stored windows starting and ending anywhere, over
    several windows of months, with a programme filter and without, and with
    another organisation's windows left out."""
    from supervision.reporting import offered

    one, senior, _ = small["programmes"]
    elsewhere = StaffProfileFactory().user  # of another organisation: never counted
    supervisors = [elsewhere] + [
        StaffProfileFactory(organisation=organisation).user for _ in range(14)
    ]
    for index, supervisor in enumerate(supervisors):
        SupervisorProfileFactory(user=supervisor, programmes=[one] if index % 3 else [senior])
    for supervisor, weekday, valid_from, valid_until in made_up_windows(supervisors, seed=23):
        WeeklyAvailabilityFactory(
            supervisor=supervisor, weekday=weekday, valid_from=valid_from, valid_until=valid_until
        )
    compared = 0
    for scope in scopes(
        organisation, small, [*WINDOWS, (datetime.date(2025, 5, 1), datetime.date(2027, 8, 1))]
    ):
        if scope.department_id or scope.band or scope.profession:
            continue  # not a filter of supervisors' availability
        in_python = offered(scope, weekly_counted_in_python=True)
        assert offered(scope) == in_python, scope
        compared += sum(times for times, _ in in_python.values())
    assert compared > 0


def test_feedback_given_through_its_service_reaches_the_rollups(organisation, small):
    """The service writes the answers in bulk (no save signals): it says so
    (kernel.signals.facts_written), and the rating rows follow."""
    from feedback.models import FeedbackQuestion
    from feedback.services.feedback import feedback_submit

    one = small["programmes"][0]
    question = FeedbackQuestion.objects.get(programme=one, kind="rating")
    # a session that has ended, not logged yet, so without feedback (attended ones have it)
    session = Session.objects.filter(
        programme=one, status="booked", ends_at__lte=timezone.now()
    ).order_by("pk")[0]

    def ratings_rolled_up() -> int:
        rows = rows_now()
        return sum(
            sum(row[6:]) for row in rows if row[0] == session.supervisee_id and row[3] == "rating"
        )

    before = ratings_rolled_up()
    feedback_submit(author=session.supervisee, answers={question: 4}, session=session)
    assert ratings_rolled_up() == before + 1
    assert_kept_as_rebuilt()
    scope = next(scopes(organisation, small))
    assert_same_figures(scope)


def test_logging_a_session_with_themes_keeps_the_rollups_as_a_rebuild_makes(organisation, small):
    # session_log writes a new record's themes in one statement, past m2m_changed:
    # the session's own save must be what marks the theme roll-ups stale.
    from kernel.models import SupervisionFunction
    from supervision.services.sessions import session_log

    supervisee = small["staff"][11].user
    supervisor = small["supervisors"][0].user
    starts = timezone.now() - datetime.timedelta(days=2)
    session = Session.objects.create(
        programme=small["programmes"][0],
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    assert_kept_as_rebuilt()
    rota = Theme.objects.create(organisation=organisation, name="Rota gaps")
    handover = Theme.objects.create(organisation=organisation, name="Handover")

    def log(themes):
        return session_log(
            actor=supervisor,
            session=session,
            attendance=Session.Status.ATTENDED,
            actual_minutes=60,
            functions=[SupervisionFunction.RESTORATIVE],
            themes=themes,
            agreed_actions="",
            escalated=False,
            escalated_on=None,
            escalated_to="",
        )

    def theme_keys():
        return {row[4] for row in rows_now() if row[0] == supervisee.pk and row[3] == "theme"}

    record = log([rota, handover.pk, rota])  # instances or ids, a theme named twice
    assert set(record.themes.all()) == {rota, handover}
    assert {str(rota.pk), str(handover.pk)} <= {str(key) for key in theme_keys()}
    assert_kept_as_rebuilt()
    log([handover])  # the record changed: its themes set again
    assert set(record.themes.all()) == {handover}
    assert str(rota.pk) not in {str(key) for key in theme_keys()}
    assert_kept_as_rebuilt()
