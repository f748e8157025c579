"""The engagement report: every table, counted in the database, protected, charted.

`engagement_report(scope)` builds each table for the scope. Every figure is
made safe by the `disclosure` module as it is built (every count rounded to
the nearest 5, averages and rates only from 5 people, rates from the rounded
counts), which holds
however many filters and periods a reader combines, so no table needs to know
about any other. The number of queries never depends on how much data there is.
"""

import dataclasses
import datetime
import functools
import hashlib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.safestring import mark_safe

import disclosure
from disclosure import Cell
from feedback import reporting as feedback_reporting
from kernel.models import Modality, Programme
from peergroups import reporting as group_reporting
from peergroups.models import EventKind, GroupType
from supervision import reporting as supervision_reporting
from supervision.allowances import add_months

from . import headline
from . import reporting as rollup_reporting
from .checkin_cells import checkin_counts
from .models import DEFAULT_COVERAGE_TARGET
from .reporting import coverage_targets
from .scope import ReportScope
from .services import Backlog, rollups_catch_up
from .spc import SpcResult, spc
from .spc_chart import spc_chart
from .spc_words import SpcTable, spc_table
from .tables import (
    Row,
    Table,
    counts_and_means,
    crosstab,
    crosstab_from,
    grouped_counts,
    means,
    means_from,
    raw_key,
)
from .versions import version_key

# Where the session and group-meeting tables are counted from: the roll-ups
# (reports.reporting, a row per person and year), or "raw", the sessions and
# register entries themselves, which tests hold the roll-ups equal to.
ROLLUPS, RAW = "rollups", "raw"


def month_label(month: datetime.date, incomplete: bool = False) -> str:
    label = formats.date_format(month, "M Y")
    return f"{label} (incomplete)" if incomplete else label


def current_month(scope: ReportScope) -> datetime.date:
    """The first of the month under way in the organisation's zone."""
    return timezone.localdate(timezone=scope.zone).replace(day=1)


def board_scope(organisation) -> ReportScope:
    """The whole organisation over the last 12 complete months: what a board sees first."""
    zone = zoneinfo.ZoneInfo(organisation.time_zone)
    last = add_months(timezone.localdate(timezone=zone).replace(day=1), -1)
    return ReportScope(
        organisation_id=organisation.pk,
        time_zone=organisation.time_zone,
        first_month=add_months(last, -11),
        last_month=last,
    )


def incomplete_months(scope: ReportScope) -> frozenset[datetime.date]:
    """Months of the scope that have not ended yet (at most the current one)."""
    now = current_month(scope)
    return frozenset(month for month in scope.months if month >= now)


@dataclass
class Context:
    """What several tables of one scope share, fetched once."""

    scope: ReportScope
    source: str = ROLLUPS
    _programmes: list[Programme] | None = None
    _eligible: dict | None = None
    # The roll-ups counted for this scope and any other counted with it (the
    # headline's previous period): one statement for every table of both.
    _counts: rollup_reporting.CellCounts | None = None
    also: ReportScope | None = None
    _eligible_for_any: int | None = None
    _checkins: tuple | None = None

    @functools.cached_property
    def months(self) -> list[tuple[datetime.date, str]]:
        incomplete = incomplete_months(self.scope)
        return [(month, month_label(month, month in incomplete)) for month in self.scope.months]

    @property
    def programmes(self) -> list[Programme]:
        if self._programmes is None:
            self._programmes = supervision_reporting.programmes(self.scope)
        return self._programmes

    @property
    def supervision_programmes(self) -> list[Programme]:
        return [p for p in self.programmes if p.modality in (Modality.ONE_TO_ONE, Modality.GROUP)]

    @property
    def eligible(self) -> dict:
        """{programme id: staff eligible for it} of the report's supervision programmes."""
        if self._eligible is None:
            if self.source == ROLLUPS:
                counted = self.counts.now("eligible")
                self._eligible = {
                    p.pk: counted.get(str(p.pk), 0) for p in self.supervision_programmes
                }
            else:
                self._eligible = supervision_reporting.eligible_counts(
                    self.scope, self.supervision_programmes
                )
        return self._eligible

    @property
    def eligible_for_any(self) -> int:
        """Staff eligible for any of the report's supervision programmes."""
        if self._eligible_for_any is None:
            if self.source == ROLLUPS:
                self._eligible_for_any = self.counts.now("eligible_any").get("any", 0)
            else:
                eligible = supervision_reporting.population(self.scope).filter(
                    supervision_reporting.eligible_for_any_q(self.supervision_programmes)
                )
                self._eligible_for_any = eligible.count()
        return self._eligible_for_any

    @property
    def checkins(self):
        """The wellbeing check-ins of the window counted for both their tables at once, in
        one statement: from their cells (reports.checkin_cells), or the check-ins
        themselves (tables.counts_and_means)."""
        if self._checkins is None or self._checkins[0] != self.scope:
            if self.source == ROLLUPS:
                counted = checkin_counts(self.scope)
            else:
                counted = counts_and_means(feedback_reporting.checkins(self.scope), "category")
            self._checkins = (self.scope, counted)
        return self._checkins[1]

    @property
    def counts(self) -> rollup_reporting.CellCounts:
        """The report's cells, counted for this scope and any counted with it (`also`)."""
        if self._counts is None or self.scope not in self._counts.scopes:
            scopes = [self.scope] if self.also is None else [self.scope, self.also]
            self._counts = rollup_reporting.CellCounts(scopes)
        return self._counts

    def counted(self, grouping: str) -> rollup_reporting.Found:
        """One grouping of the cells (reports.reporting.report_groupings) in this
        scope's window: {group: ({month: (facts, people)}, (facts, people))}."""
        return self.counts.found(self.scope, grouping)

    def kind_total(self, kind: str):
        """(by month, whole window) of every row of `kind`, or None without any."""
        return self.counted("kind").get(kind)

    def sharing(self, scope: ReportScope) -> "Context":
        """A context for `scope` (counted with this one: see `also`) sharing what does
        not depend on the months: the programmes, the eligible staff, the counts."""
        return dataclasses.replace(self, scope=scope, also=None)


def _months_between(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _distinct_union(querysets, group_by_month: bool) -> dict:
    """COUNT(DISTINCT person) over several querysets' rows, optionally by month.

    People who had one-to-one sessions and people at group meetings live in
    two apps' tables; a person in both counts once. One query.
    """
    parts: list[str] = []
    params: list[Any] = []  # as sql_with_params() gives them
    for queryset in querysets:
        fields = ("month", "person") if group_by_month else ("person",)
        try:
            sql, part_params = queryset.order_by().values(*fields).query.sql_with_params()
        except EmptyResultSet:  # nothing can match (no programme of this kind)
            continue
        # Only our own field names and Django's parameterised SQL go into the text.
        parts.append(f"SELECT {', '.join(fields)} FROM ({sql}) AS part{len(parts)}")  # noqa: S608
        params.extend(part_params)
    if not parts:
        return {}
    union = " UNION ".join(parts)
    if group_by_month:
        sql = f"SELECT month, COUNT(DISTINCT person) FROM ({union}) AS u GROUP BY month"  # noqa: S608
    else:
        sql = f"SELECT NULL, COUNT(DISTINCT person) FROM ({union}) AS u"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {(raw_key(month, "month") if group_by_month else None): count for month, count in rows}


def _covered_querysets(context: Context):
    return [
        supervision_reporting.covered(context.scope, context.supervision_programmes),
        group_reporting.covered(context.scope, context.supervision_programmes),
    ]


# --- the tables --------------------------------------------------------------


def _coverage(eligible: int, covered: int) -> list[Cell]:
    """Eligible staff, those who had a session, and the share, as shown."""
    eligible_cell, covered_cell = disclosure.count(eligible), disclosure.count(covered)
    return [eligible_cell, covered_cell, disclosure.percent(covered_cell, eligible_cell)]


def coverage_by_programme(context: Context) -> Table:
    """Of the staff eligible for each programme, how many had a session in the period."""
    programmes = context.supervision_programmes
    if context.source == ROLLUPS:
        found = context.counted("covered_programme")
        covered = {int(programme): people for programme, (_, (_, people)) in found.items()}
    else:
        one_to_one = supervision_reporting.covered(context.scope, programmes)
        groups = group_reporting.covered(context.scope, programmes)
        stats = {"people": Count("person", distinct=True)}
        covered = {
            row["programme_ref"]: row["people"]
            for queryset in (one_to_one, groups)
            for row in queryset.order_by().values("programme_ref").annotate(**stats).order_by()
        }
    targets = coverage_targets(programmes)
    rows = []
    for programme in programmes:
        cells = _coverage(context.eligible.get(programme.pk, 0), covered.get(programme.pk, 0))
        target = disclosure.fixed(targets.get(programme.pk, DEFAULT_COVERAGE_TARGET))
        rows.append(Row(programme.pk, programme.name, [*cells, target]))
    return Table(
        slug="coverage",
        title="Coverage by programme",
        row_header="Programme",
        columns=[
            ("eligible", "Eligible staff"),
            ("covered", "Had at least one session"),
            ("percent", "Coverage (%)"),
            ("target", "Target (%)"),
        ],
        rows=rows,
        kind="mixed",
        note="A session is a one-to-one session attended or a group meeting where the "
        "person was present, in a programme they are eligible for.",
    )


def coverage_by_month(context: Context) -> Table:
    """Each month, the share of eligible staff who had a session that month."""
    eligible_count = context.eligible_for_any
    if context.source == ROLLUPS:
        monthly, (_, whole) = context.counted("covered").get("covered", ({}, (0, 0)))
        by_month = {month: people for month, (_, people) in monthly.items()}
    else:
        by_month = _distinct_union(_covered_querysets(context), group_by_month=True)
        whole = _distinct_union(_covered_querysets(context), group_by_month=False).get(None, 0)

    eligible_cell = disclosure.count(eligible_count)

    def made(people: int) -> list[Cell]:
        covered = disclosure.count(people)
        return [covered, disclosure.percent(covered, eligible_cell)]

    return Table(
        slug="coverage-monthly",
        title="Coverage by month",
        row_header="Month",
        columns=[("covered", "Staff who had a session"), ("percent", "Coverage (%)")],
        rows=[Row(month, label, made(by_month.get(month, 0))) for month, label in context.months],
        totals=Row(None, "Whole period", made(whole)),
        kind="mixed",
        note="Staff eligible for any supervision programme in the report.",
    )


def coverage_by_department(context: Context) -> Table:
    """Coverage of each department: a board's breakdown of where supervision is reaching."""
    programmes = context.supervision_programmes
    if context.source == ROLLUPS:
        counted = context.counts.now("eligible_department")
        eligible = {int(department): people for department, people in counted.items()}
        found = context.counted("covered_department")
        covered = {int(department): people for department, (_, (_, people)) in found.items()}
    else:
        eligible, covered = supervision_reporting.coverage_by_department(
            context.scope, programmes, group_reporting.covered(context.scope, programmes)
        )
    rows = [
        Row(key, name, _coverage(eligible.get(key, 0), covered.get(key, 0)))
        for key, name in supervision_reporting.departments(context.scope)
    ]
    return Table(
        slug="coverage-departments",
        title="Coverage by department",
        row_header="Department",
        columns=[
            ("eligible", "Eligible staff"),
            ("covered", "Had at least one session"),
            ("percent", "Coverage (%)"),
        ],
        rows=rows,
        kind="mixed",
        note="Staff eligible for any supervision programme in the report, by their department now.",
    )


def activity(context: Context) -> Table:
    if context.source == ROLLUPS:
        counts = rollup_reporting.crosstab_counts(
            context.counted("activity"), context.kind_total("session"), context.scope.months
        )
    else:
        counts = grouped_counts(
            supervision_reporting.activity(context.scope), "month", "category", context.scope
        )
    return crosstab_from(
        counts,
        rows=context.months,
        row_field="month",
        columns=list(supervision_reporting.ACTIVITY),
        slug="activity",
        title="One-to-one sessions by month",
        row_header="Month",
        note="Sessions by the month they were booked to start. "
        "The total is every session booked for the month.",
    )


def attendance_rate(context: Context) -> Table:
    """Attended ÷ (attended + did not attend + cancelled late), by month."""
    due = rollup_reporting.DUE
    if context.source == ROLLUPS:
        # Two groupings: attended sessions are among those due as well.
        nothing: tuple = ({}, (0, 0))
        attended_found = context.counted("attended").get("attended", nothing)
        due_found = context.counted("due").get("due", nothing)

        def stated(attended, due_count) -> dict:
            return {
                "attended": attended[0],
                "attended_people": attended[1],
                "due": due_count[0],
                "people": due_count[1],
            }

        by_month = {
            month: stated(attended_found[0].get(month, (0, 0)), due_found[0].get(month, (0, 0)))
            for month in context.scope.months
        }
        whole = stated(attended_found[1], due_found[1])
    else:
        sessions = supervision_reporting.activity(context.scope)
        stats = {
            "attended": Count("pk", filter=Q(category="attended")),
            "attended_people": Count("person", filter=Q(category="attended"), distinct=True),
            "due": Count("pk", filter=Q(category__in=due)),
            "people": Count("person", filter=Q(category__in=due), distinct=True),
        }
        by_month = {
            supervision_reporting.month_of(row["month"], context.scope): row
            for row in sessions.values("month").annotate(**stats).order_by()
        }
        whole = sessions.aggregate(**stats)

    def made(row) -> list[Cell]:
        row = row or {"attended": 0, "attended_people": 0, "due": 0, "people": 0}
        due_cell = disclosure.count(row["due"], row["people"])
        attended = disclosure.count(row["attended"], row["attended_people"])
        return [attended, due_cell, disclosure.percent(attended, due_cell)]

    return Table(
        slug="attendance-rate",
        title="Attendance rate by month",
        row_header="Month",
        columns=[("attended", "Attended"), ("due", "Due to happen"), ("rate", "Attended (%)")],
        rows=[Row(month, label, made(by_month.get(month))) for month, label in context.months],
        totals=Row(None, "Whole period", made(whole)),
        kind="mixed",
        note="Sessions attended out of those that were due to happen: attended, "
        "did not attend, or cancelled late by the supervisee. The rate is worked out "
        "from the rounded counts.",
    )


def offered(context: Context) -> Table:
    counts = supervision_reporting.offered(
        context.scope, weekly_counted_in_python=context.source == RAW
    )
    rows = [
        Row(month, label, [disclosure.count(*counts.get(month, (0, 0)))])
        for month, label in context.months
    ]
    return Table(
        slug="offered",
        title="Times offered by supervisors",
        row_header="Month",
        columns=[("offered", "Times offered")],
        rows=rows,
        note="One-off times plus each week's repeating windows. Hidden where fewer "
        "than 5 supervisors offered. Not broken down by department, band or profession.",
    )


def _allowance_used(context: Context) -> dict[int, tuple[int, int]]:
    """supervision.reporting.allowance_used from the roll-ups."""
    one_to_one = [p for p in context.supervision_programmes if p.modality == Modality.ONE_TO_ONE]
    found = {int(programme): whole for programme, (_, whole) in context.counted("used").items()}
    return {p.pk: found.get(p.pk, (0, 0)) for p in one_to_one}


def allowance(context: Context) -> Table:
    """Sessions used ÷ sessions available, per one-to-one programme."""
    scope = context.scope
    if context.source == ROLLUPS:
        used = _allowance_used(context)
    else:
        used = supervision_reporting.allowance_used(scope, context.supervision_programmes)
    months = _months_between(scope.first_month, scope.last_month) + 1
    rows = []
    for programme in context.supervision_programmes:
        if programme.modality != Modality.ONE_TO_ONE or not programme.allowance_sessions:
            continue
        if programme.period_kind == "fixed" and programme.period_start and programme.period_end:
            period_months = max(1, _months_between(programme.period_start, programme.period_end))
        else:
            period_months = programme.rolling_months or 12
        eligible = context.eligible.get(programme.pk, 0)
        available = round(eligible * programme.allowance_sessions * months / period_months)
        sessions, people = used.get(programme.pk, (0, 0))
        used_cell = disclosure.count(sessions, people)
        available_cell = disclosure.count(available, eligible)
        rows.append(
            Row(
                programme.pk,
                programme.name,
                [used_cell, available_cell, disclosure.percent(used_cell, available_cell)],
            )
        )
    return Table(
        slug="allowance",
        title="Allowance used",
        row_header="Programme",
        columns=[
            ("used", "Sessions used"),
            ("available", "Sessions available"),
            ("percent", "Used (%)"),
        ],
        rows=rows,
        kind="mixed",
        note="Available: eligible staff times the allowance, in proportion to the months "
        "reported. Used: sessions that count against the allowance by the programme's rules.",
    )


def group_attendance(context: Context) -> Table:
    if context.source == ROLLUPS:
        counts = rollup_reporting.crosstab_counts(
            context.counted("group"), context.kind_total("group"), context.scope.months
        )
    else:
        counts = grouped_counts(
            group_reporting.attendance(context.scope), "month", "category", context.scope
        )
    return crosstab_from(
        counts,
        rows=context.months,
        row_field="month",
        columns=list(group_reporting.ATTENDANCE),
        slug="group-attendance",
        title="Group meetings: attendance by month",
        row_header="Month",
        note="Places at meetings whose register was taken.",
    )


def group_fill(context: Context) -> Table:
    fill = group_reporting.fill(context.scope)
    members = disclosure.count(fill["members"] or 0)
    places = disclosure.fixed(fill["places"] or 0)
    return Table(
        slug="group-fill",
        title="Groups: places filled and waiting lists",
        row_header="Groups now",
        columns=[
            ("members", "Members"),
            ("places", "Places"),
            ("percent", "Places filled (%)"),
            ("waiting", "Waiting for a place"),
        ],
        rows=[
            Row(
                None,
                f"{fill['groups'] or 0} active groups",
                [
                    members,
                    places,
                    disclosure.percent(members, places),
                    disclosure.count(fill["waiting"] or 0),
                ],
            )
        ],
        kind="mixed",
    )


def peer_support(context: Context) -> Table:
    return crosstab(
        group_reporting.support_requests(context.scope),
        context.scope,
        rows=list(EventKind.choices),
        row_field="category",
        columns=[("open", "Open"), ("closed", "Closed")],
        column_field="state",
        slug="peer-support",
        title="Peer-support requests by kind of event",
        row_header="Kind of event",
        note="Requests made in the period. Counts only: nothing about what happened.",
    )


def first_contact(context: Context) -> Table:
    # First contact as the supporter recorded it (peergroups.reporting.first_contact_moment).
    counts = group_reporting.first_contact_counts(context.scope)
    hours = None if counts.hours is None else round(counts.hours, 1)
    return Table(
        slug="first-contact",
        title="Peer support: time to first contact",
        row_header="Requests",
        columns=[
            ("contacted", "Contacted"),
            ("hours", "Mean hours to first contact"),
            ("on_time", "Contacted within the time promised"),
        ],
        note="First contact is the date the peer supporter recorded: its time is that of a "
        "check-in that day, or midday. Within the time promised: by the day it was due.",
        rows=[
            Row(
                None,
                "Made in the period",
                [
                    disclosure.count(counts.contacted, counts.people),
                    disclosure.mean(hours, counts.people),
                    disclosure.count(counts.on_time, counts.on_time_people),
                ],
            )
        ],
        kind="mixed",
    )


def rating_questions(context: Context) -> list[tuple[int, str]]:
    questions = feedback_reporting.rating_questions(context.scope, context.programmes)
    return [(q.pk, feedback_reporting.question_label(q, context.scope)) for q in questions]


RATING_COLUMNS = [(value, str(value)) for value in range(1, 6)]


def feedback_distribution(context: Context) -> Table:
    if context.source == ROLLUPS:
        counts = rollup_reporting.rating_counts(context)
    else:
        counts = grouped_counts(
            feedback_reporting.ratings(context.scope), "question_id", "category", context.scope
        )
    return crosstab_from(
        counts,
        rows=rating_questions(context),
        row_field="question_id",
        columns=RATING_COLUMNS,
        slug="feedback",
        title="Session feedback: ratings given (1 = lowest, 5 = highest)",
        row_header="Question",
    )


def feedback_means(context: Context) -> Table:
    if context.source == ROLLUPS:
        by_month, overall = rollup_reporting.rating_means(context)
        return means_from(
            by_month,
            overall,
            months=context.months,
            slug="feedback-monthly",
            title="Session feedback: mean rating by month",
            row_header="Month",
            columns=[("mean", "Mean rating (1 to 5)")],
        )
    return means(
        feedback_reporting.ratings(context.scope),
        context.scope,
        months=context.months,
        slug="feedback-monthly",
        title="Session feedback: mean rating by month",
        row_header="Month",
        columns=[("mean", "Mean rating (1 to 5)")],
    )


FEELINGS = [(1, "1 Very bad"), (2, "2 Bad"), (3, "3 OK"), (4, "4 Good"), (5, "5 Very good")]


def wellbeing_distribution(context: Context) -> Table:
    table: dict[str, Any] = {
        "rows": [(None, "All check-ins")],
        "row_field": None,
        "columns": FEELINGS,
        "slug": "wellbeing",
        "title": "Wellbeing check-ins: how people felt about work",
        "row_header": "Check-ins",
    }
    if context.source == ROLLUPS:
        return crosstab_from(context.checkins[0], **table)
    return crosstab(
        feedback_reporting.checkins(context.scope),
        context.scope,
        column_field="category",
        **table,
    )


def wellbeing_means(context: Context) -> Table:
    table: dict[str, Any] = {
        "months": context.months,
        "slug": "wellbeing-monthly",
        "title": "Wellbeing check-ins: mean feeling by month",
        "row_header": "Month",
        "columns": [("mean", "Mean feeling (1 to 5)")],
    }
    if context.source == ROLLUPS:
        _, by_month, overall = context.checkins
        return means_from(by_month, overall, **table)
    return means(feedback_reporting.checkins(context.scope), context.scope, **table)


def themes(context: Context) -> Table:
    rows = [
        Row(row["theme_name"], row["theme_name"], [disclosure.count(row["count"], row["people"])])
        for row in (
            rollup_reporting.themes(context)
            if context.source == ROLLUPS
            else supervision_reporting.themes(context.scope)
        )
    ]
    return Table(
        slug="themes",
        title="Most common themes in one-to-one sessions",
        row_header="Theme",
        columns=[("sessions", "Sessions")],
        rows=rows,
        note="Themes recorded in session records, most common first. "
        "A session can have several themes.",
    )


def systemic_issues(context: Context) -> Table:
    labels = dict(GroupType.choices)
    counts = {row["group_type"]: row for row in group_reporting.systemic_issues(context.scope)}
    rows = [
        Row(key, labels[key], [disclosure.count(row["count"], row["people"])])
        for key, row in counts.items()
    ]
    return Table(
        slug="systemic-issues",
        title="Group meetings that raised systemic issues",
        row_header="Type of group",
        columns=[("meetings", "Meetings")],
        rows=rows,
        note="Counts only. The people behind a count are those present at the meetings.",
    )


SECTIONS: list[tuple[str, list[Callable[[Context], Table]]]] = [
    ("Coverage", [coverage_by_programme, coverage_by_month, coverage_by_department]),
    ("One-to-one activity", [activity, attendance_rate, offered, allowance, themes]),
    ("Groups", [group_attendance, group_fill, systemic_issues]),
    ("Peer support", [peer_support, first_contact]),
    ("Feedback and wellbeing", [feedback_distribution, feedback_means]),
    ("", [wellbeing_distribution, wellbeing_means]),
]
BUILDERS = {builder.__name__: builder for _, builders in SECTIONS for builder in builders}


@dataclass
class Chart:
    title: str
    svg: str
    result: SpcResult
    table: Table  # the report table the series comes from
    spc_table: SpcTable  # the chart's figures, for its data table


@dataclass
class Report:
    scope: ReportScope
    sections: list[tuple[str, list[Table]]]
    charts: dict[str, Chart]
    headlines: list = field(default_factory=list)  # reports.headline.Headline
    previous_scope: ReportScope | None = None

    @property
    def tables(self) -> dict[str, Table]:
        return {table.slug: table for _, tables in self.sections for table in tables}


def _tables(scope: ReportScope, names, source: str = ROLLUPS) -> dict[str, Table]:
    context = Context(scope, source)
    return {name: BUILDERS[name](context) for name in names}


def _chart(
    table: Table,
    column: int,
    title: str,
    *,
    target: float | None = None,
    incomplete: frozenset[datetime.date] = frozenset(),
) -> Chart:
    """An SPC chart of one column; hidden months are gaps, a month under way is left out."""
    labels = [str(row.label) for row in table.rows]
    values = [
        None if row.cells[column].hidden or row.key in incomplete else row.cells[column].value
        for row in table.rows
    ]
    hidden = {
        str(row.label): str(row.cells[column].shown)
        for row in table.rows
        if row.cells[column].hidden
    }
    result = spc(labels, values, higher_is_better=True, target=target, floor=0, ceiling=100)
    svg = spc_chart(result, title=title, unit="%", chart_id=f"chart-{table.slug}")
    words = spc_table(
        result,
        unit="%",
        suppressed_labels=hidden,
        incomplete_labels={str(row.label) for row in table.rows if row.key in incomplete},
    )
    return Chart(title, svg, result, table, words)


def _coverage_target(table: Table | None) -> float | None:
    """The coverage target the whole report is held to: the programmes' targets,
    weighted by their eligible staff as shown (the one programme's when filtered)."""
    if table is None:
        return None
    weighted = [
        (row.cells[3].value, row.cells[0].value or 0)
        for row in table.rows
        if not row.cells[0].hidden and row.cells[3].value is not None
    ]
    total = sum(weight for _, weight in weighted)
    if not total:
        return None
    return round(sum(target * weight for target, weight in weighted) / total)


def caught_up(scope: ReportScope, moves: bool = True, drain: bool = True) -> Backlog | None:
    """Work out the roll-ups that changes of the scope's organisation left stale, before
    its figures are read (reports.services.rollups_catch_up): None when the figures
    include every change, or what is still being counted, for the page to say.

    `moves`: and count again the shares of the cells of people who moved since
    (a scan of the organisation's staff): whenever the figures are counted, not
    when a report is read from the cache (what it showed then is what it shows)."""
    return rollups_catch_up(scope.organisation_id, moves=moves, drain=drain)


def engagement_report(
    scope: ReportScope, only: list[str] | None = None, source: str = ROLLUPS
) -> Report:
    """Every table of the report (or those `only` names), built now: the roll-ups of its
    organisation are brought up to date first."""
    caught_up(scope)
    return _built(scope, only, source)


def _built(scope: ReportScope, only: list[str] | None, source: str = ROLLUPS) -> Report:
    names = only or list(BUILDERS)
    previous_scope = headline.previous_scope(scope) if only is None else None
    # The previous period's roll-ups are counted with this period's (Context.also).
    context = Context(scope, source, also=previous_scope)
    tables = {name: BUILDERS[name](context) for name in names}
    sections = [
        (heading, [tables[b.__name__] for b in builders if b.__name__ in tables])
        for heading, builders in SECTIONS
    ]
    incomplete = incomplete_months(scope)
    charts = {}
    if "coverage_by_month" in tables:
        charts["coverage"] = _chart(
            tables["coverage_by_month"],
            1,
            "Coverage by month (% of eligible staff)",
            target=_coverage_target(tables.get("coverage_by_programme")),
            incomplete=incomplete,
        )
    if "attendance_rate" in tables:
        charts["attendance"] = _chart(
            tables["attendance_rate"], 2, "Attendance rate by month (%)", incomplete=incomplete
        )
    report = Report(scope, [s for s in sections if s[1]], charts)
    if previous_scope is not None:
        report.previous_scope = previous_scope
        previous_context = context.sharing(previous_scope)
        previous = {name: BUILDERS[name](previous_context) for name in headline.BUILDERS}
        report.headlines = headline.headlines(tables, previous, charts)
    return report


# The CSV file each table downloads as, and the builder that makes it.
SLUGS = {
    "coverage": "coverage_by_programme",
    "coverage-monthly": "coverage_by_month",
    "coverage-departments": "coverage_by_department",
    "activity": "activity",
    "attendance-rate": "attendance_rate",
    "offered": "offered",
    "allowance": "allowance",
    "themes": "themes",
    "group-attendance": "group_attendance",
    "group-fill": "group_fill",
    "systemic-issues": "systemic_issues",
    "peer-support": "peer_support",
    "first-contact": "first_contact",
    "feedback": "feedback_distribution",
    "feedback-monthly": "feedback_means",
    "wellbeing": "wellbeing_distribution",
    "wellbeing-monthly": "wellbeing_means",
}


def table_for_export(scope: ReportScope, slug: str) -> tuple[Table | None, Backlog | None]:
    """The table a CSV file holds, and what its figures do not include yet."""
    name = SLUGS.get(slug)
    if name is None:
        return None, None
    backlog = caught_up(scope)
    return _tables(scope, [name])[name], backlog


# Bumped whenever what a cached Report holds changes shape, so a deployment
# never unpickles a report cached by the code before it.
FORMAT = 2


def _cache_key(scope: ReportScope) -> str:
    """The filters, the day and the organisation's version (`reports_changed`)."""
    version = cache.get(version_key(scope.organisation_id), 0)
    digest = hashlib.sha256(repr((scope.key(), version, timezone.localdate())).encode())
    return f"reports:engagement:{FORMAT}:{digest.hexdigest()}"


def cached_engagement_report(scope: ReportScope) -> tuple[Report, Backlog | None]:
    """The report, built at most every REPORT_CACHE_SECONDS for the same filters, and
    what its figures do not include yet (`caught_up`, run before the cache is read).

    A board report does not need to be live to the second, and building one
    runs dozens of aggregates over the whole period; the cache is shared by
    every web process. The key carries the filters, the day and a per-
    organisation version that `reports_changed` bumps (and a drain that changes
    the roll-ups bumps it, so no change is hidden by the cache).
    """
    return _cached(scope, caught_up(scope, moves=False))


def _cached(scope: ReportScope, backlog: Backlog | None) -> tuple[Report, Backlog | None]:
    """The cached report and `backlog` (what its reader's catch-up left), or one built
    now, after the whole catch-up (who moved counted again too, which forgets the
    cached reports if anyone had: so the key is worked out after), and its backlog."""
    timeout = settings.REPORT_CACHE_SECONDS
    if timeout:
        report = cache.get(_cache_key(scope))
        if report is not None:
            return report, backlog
    backlog = caught_up(scope, drain=False)  # drained already by the reader's catch-up
    report = _built(scope, None)
    if timeout:
        cache.set(_cache_key(scope), report, timeout)
    return report, backlog


def cached_report_html(
    scope: ReportScope, render: Callable[[Report], str], *vary: str
) -> tuple[str, Backlog | None]:
    """`render(report)`, kept as long as the report itself and forgotten with it, and
    what the report does not include yet (as cached_engagement_report).

    The report's tables and charts are thousands of template nodes; the page
    asks for them again on every visit with the same filters. `vary` is what
    else the HTML depends on (the query string of its CSV links, the language).
    """
    backlog = caught_up(scope, moves=False)
    timeout = settings.REPORT_CACHE_SECONDS
    if not timeout:
        report, backlog = _cached(scope, backlog)
        return render(report), backlog
    digest = hashlib.sha256(repr(vary).encode()).hexdigest()
    html = cache.get(f"{_cache_key(scope)}:html:{digest}")
    if html is None:
        report, backlog = _cached(scope, backlog)
        html = str(render(report))
        # the key again: building the report may have forgotten the cached ones
        cache.set(f"{_cache_key(scope)}:html:{digest}", html, timeout)
    # Our own template's output, escaped when it was rendered.
    return mark_safe(html), backlog  # noqa: S308
