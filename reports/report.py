"""The engagement report: every table, counted in the database, suppressed, charted.

`engagement_report(scope)` builds each table for the scope and, for every
filter in use, the same table for "everyone else" (the complement), so that a
filtered figure never lets a reader work out a small one by subtraction (see
`tables.finish`). The number of queries depends on the number of filters in
use, never on how much data there is.
"""

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Avg, Count, F, Q
from django.utils import formats, timezone
from django.utils.safestring import mark_safe

from feedback import reporting as feedback_reporting
from feedback.models import FeedbackQuestion, QuestionKind
from peergroups import reporting as group_reporting
from peergroups.models import EventKind, GroupType
from supervision import reporting as supervision_reporting
from supervision.models import Modality, Programme

from .models import DEFAULT_COVERAGE_TARGET, CoverageTarget
from .scope import ReportScope
from .spc import SpcResult, spc
from .spc_chart import spc_chart
from .spc_words import spc_table
from .suppression import MINIMUM_PEOPLE, Cell, cell
from .tables import Row, Table, crosstab, finish, means, raw_key

PER_PROGRAMME = ("department_id", "band", "profession")  # rows are programmes already
PEOPLE_ONLY = ("department_id", "band", "profession")


def month_label(month: datetime.date) -> str:
    return formats.date_format(month, "M Y")


@dataclass
class Context:
    """What several tables of one scope share, fetched once."""

    scope: ReportScope
    _programmes: list[Programme] | None = None
    _eligible: dict | None = None

    @property
    def months(self) -> list[tuple[datetime.date, str]]:
        return [(month, month_label(month)) for month in self.scope.months]

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
        if self._eligible is None:
            self._eligible = supervision_reporting.eligible_counts(
                self.scope, self.supervision_programmes
            )
        return self._eligible


def _percent(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None


def _months_between(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _distinct_union(querysets, group_by_month: bool) -> dict:
    """COUNT(DISTINCT person) over several querysets' rows, optionally by month.

    People who had one-to-one sessions and people at group meetings live in
    two apps' tables; a person in both counts once. One query.
    """
    parts, params = [], []
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


def coverage_by_programme(context: Context) -> Table:
    """Of the staff eligible for each programme, how many had a session in the period."""
    programmes = context.supervision_programmes
    one_to_one = supervision_reporting.covered(context.scope, programmes)
    groups = group_reporting.covered(context.scope, programmes)
    stats = {"people": Count("person", distinct=True)}
    covered = {
        row["programme_ref"]: row["people"]
        for queryset in (one_to_one, groups)
        for row in queryset.order_by().values("programme_ref").annotate(**stats).order_by()
    }
    targets = dict(
        CoverageTarget.objects.filter(programme__in=programmes).values_list(
            "programme_id", "percent"
        )
    )
    rows = []
    for programme in programmes:
        eligible = context.eligible.get(programme.pk, 0)
        people = covered.get(programme.pk, 0)
        rows.append(
            Row(
                programme.pk,
                programme.name,
                [
                    cell(eligible, eligible),
                    cell(people, people),
                    cell(_percent(people, eligible), min(people, eligible)),
                    Cell(targets.get(programme.pk, DEFAULT_COVERAGE_TARGET), MINIMUM_PEOPLE),
                ],
            )
        )
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
        depends_on=PER_PROGRAMME,
        note="A session is a one-to-one session attended or a group meeting where the "
        "person was present, in a programme they are eligible for.",
    )


def coverage_by_month(context: Context) -> Table:
    """Each month, the share of eligible staff who had a session that month."""
    programmes = context.supervision_programmes
    eligible = supervision_reporting.population(context.scope).filter(
        supervision_reporting.eligible_for_any_q(programmes)
    )
    eligible_count = eligible.count()
    by_month = _distinct_union(_covered_querysets(context), group_by_month=True)
    whole = _distinct_union(_covered_querysets(context), group_by_month=False).get(None, 0)

    def made(people: int) -> list[Cell]:
        return [cell(people, people), cell(_percent(people, eligible_count), people)]

    return Table(
        slug="coverage-monthly",
        title="Coverage by month",
        row_header="Month",
        columns=[("covered", "Staff who had a session"), ("percent", "Coverage (%)")],
        rows=[Row(month, label, made(by_month.get(month, 0))) for month, label in context.months],
        totals=Row(None, "Whole period", made(whole)),
        kind="mixed",
        rows_are_months=True,
        extra={"eligible": cell(eligible_count, eligible_count)},
        note="Staff eligible for any supervision programme in the report.",
    )


def activity(context: Context) -> Table:
    return crosstab(
        supervision_reporting.activity(context.scope),
        context.scope,
        rows=context.months,
        row_field="month",
        columns=list(supervision_reporting.ACTIVITY),
        column_field="category",
        slug="activity",
        title="One-to-one sessions by month",
        row_header="Month",
        rows_are_months=True,
        note="Sessions by the month they were booked to start. "
        "The total is every session booked for the month.",
    )


def attendance_rate(context: Context) -> Table:
    """Attended ÷ (attended + did not attend + cancelled late), by month."""
    sessions = supervision_reporting.activity(context.scope)
    due = ("attended", "did_not_attend", "cancelled_late")
    missed = ("did_not_attend", "cancelled_late")
    stats = {
        "attended": Count("pk", filter=Q(category="attended")),
        "due": Count("pk", filter=Q(category__in=due)),
        "people": Count("person", filter=Q(category__in=due), distinct=True),
        "missed_people": Count("person", filter=Q(category__in=missed), distinct=True),
    }
    by_month = {
        supervision_reporting.month_of(row["month"], context.scope): row
        for row in sessions.values("month").annotate(**stats).order_by()
    }
    whole = sessions.aggregate(**stats)

    def made(row) -> list[Cell]:
        if not row or not row["due"]:
            return [cell(None, 0)]
        result = cell(_percent(row["attended"], row["due"]), row["people"])
        # The rate and the attended count together give the missed count away.
        if 0 < row["missed_people"] < MINIMUM_PEOPLE:
            result.hide("secondary")
        return [result]

    return Table(
        slug="attendance-rate",
        title="Attendance rate by month",
        row_header="Month",
        columns=[("rate", "Attended (%)")],
        rows=[Row(month, label, made(by_month.get(month))) for month, label in context.months],
        totals=Row(None, "Whole period", made(whole)),
        kind="percent",
        rows_are_months=True,
        note="Sessions attended out of those that were due to happen: attended, "
        "did not attend, or cancelled late by the supervisee.",
    )


def offered(context: Context) -> Table:
    counts = supervision_reporting.offered(context.scope)
    rows = [
        Row(month, label, [cell(*counts.get(month, (0, 0)))]) for month, label in context.months
    ]
    return Table(
        slug="offered",
        title="Times offered by supervisors",
        row_header="Month",
        columns=[("offered", "Times offered")],
        rows=rows,
        rows_are_months=True,
        depends_on=("programme_id",),
        note="One-off times plus each week's repeating windows. Suppressed where fewer "
        "than 5 supervisors offered. Not broken down by department, band or profession.",
    )


def allowance(context: Context) -> Table:
    """Sessions used ÷ sessions available, per one-to-one programme."""
    scope = context.scope
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
        rows.append(
            Row(
                programme.pk,
                programme.name,
                [
                    cell(sessions, people),
                    cell(available, eligible),
                    cell(_percent(sessions, available), people),
                ],
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
        depends_on=PER_PROGRAMME,
        note="Available: eligible staff times the allowance, in proportion to the months "
        "reported. Used: sessions that count against the allowance by the programme's rules.",
    )


def group_attendance(context: Context) -> Table:
    return crosstab(
        group_reporting.attendance(context.scope),
        context.scope,
        rows=context.months,
        row_field="month",
        columns=list(group_reporting.ATTENDANCE),
        column_field="category",
        slug="group-attendance",
        title="Group meetings: attendance by month",
        row_header="Month",
        rows_are_months=True,
        note="Places at meetings whose register was taken.",
    )


def group_fill(context: Context) -> Table:
    fill = group_reporting.fill(context.scope)
    members, places = fill["members"] or 0, fill["places"] or 0
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
                    cell(members, members),
                    Cell(places, MINIMUM_PEOPLE),
                    cell(_percent(members, places), members),
                    cell(fill["waiting"], fill["waiting"]),
                ],
            )
        ],
        kind="mixed",
        depends_on=("department_id", "band", "profession", "programme_id"),
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
        depends_on=PEOPLE_ONLY,
        note="Requests made in the period. Counts only: nothing about what happened.",
    )


def first_contact(context: Context) -> Table:
    requests = group_reporting.support_requests(context.scope)
    contacted = Q(first_contact__isnull=False)
    row = requests.aggregate(
        contacted=Count("pk", filter=contacted),
        people=Count("person", filter=contacted, distinct=True),
        on_time=Count("pk", filter=contacted & Q(first_contact__lte=F("first_contact_due"))),
        mean=Avg(group_reporting.time_to_first_contact(), filter=contacted),
    )
    people = row["people"]
    hours = round(row["mean"].total_seconds() / 3600, 1) if row["mean"] is not None else None
    return Table(
        slug="first-contact",
        title="Peer support: time to first contact",
        row_header="Requests",
        columns=[
            ("contacted", "Contacted"),
            ("hours", "Mean hours to first contact"),
            ("on_time", "Contacted within the time promised"),
        ],
        rows=[
            Row(
                None,
                "Made in the period",
                [
                    cell(row["contacted"], people),
                    cell(hours, people),
                    cell(row["on_time"], people),
                ],
            )
        ],
        kind="mixed",
        depends_on=PEOPLE_ONLY,
    )


def rating_questions(context: Context) -> list[tuple[int, str]]:
    programmes = [p.pk for p in context.programmes]
    questions = FeedbackQuestion.objects.filter(
        programme_id__in=programmes, kind=QuestionKind.RATING
    ).select_related("programme")
    return [(q.pk, f"{q.programme.name}: {q.text}") for q in questions.order_by("programme__name")]


RATING_COLUMNS = [(value, str(value)) for value in range(1, 6)]


def feedback_distribution(context: Context) -> Table:
    return crosstab(
        feedback_reporting.ratings(context.scope),
        context.scope,
        rows=rating_questions(context),
        row_field="question_id",
        columns=RATING_COLUMNS,
        column_field="category",
        slug="feedback",
        title="Session feedback: ratings given (1 = lowest, 5 = highest)",
        row_header="Question",
        depends_on=PEOPLE_ONLY,  # each question belongs to one programme
    )


def feedback_means(context: Context) -> Table:
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
    return crosstab(
        feedback_reporting.checkins(context.scope),
        context.scope,
        rows=[(None, "All check-ins")],
        row_field=None,
        columns=FEELINGS,
        column_field="category",
        slug="wellbeing",
        title="Wellbeing check-ins: how people felt about work",
        row_header="Check-ins",
        depends_on=PEOPLE_ONLY,
    )


def wellbeing_means(context: Context) -> Table:
    return means(
        feedback_reporting.checkins(context.scope),
        context.scope,
        months=context.months,
        slug="wellbeing-monthly",
        title="Wellbeing check-ins: mean feeling by month",
        row_header="Month",
        columns=[("mean", "Mean feeling (1 to 5)")],
        depends_on=PEOPLE_ONLY,
    )


def themes(context: Context) -> Table:
    rows = [
        Row(row["theme_name"], row["theme_name"], [cell(row["count"], row["people"])])
        for row in supervision_reporting.themes(context.scope)
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
        Row(key, labels[key], [cell(row["count"], row["people"])]) for key, row in counts.items()
    ]
    return Table(
        slug="systemic-issues",
        title="Group meetings that raised systemic issues",
        row_header="Type of group",
        columns=[("meetings", "Meetings")],
        rows=rows,
        depends_on=("programme_id",),
        note="Counts only. The people behind a count are those present at the meetings.",
    )


SECTIONS: list[tuple[str, list[Callable[[Context], Table]]]] = [
    ("Coverage", [coverage_by_programme, coverage_by_month]),
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
    spc_table: object  # reports.spc_words.SpcTable: the chart's figures, for its data table


@dataclass
class Report:
    scope: ReportScope
    sections: list[tuple[str, list[Table]]]
    charts: dict[str, Chart]

    @property
    def tables(self) -> dict[str, Table]:
        return {table.slug: table for _, tables in self.sections for table in tables}


def _suppressed_tables(scope: ReportScope, names) -> dict[str, Table]:
    context = Context(scope)
    tables = {name: BUILDERS[name](context) for name in names}
    for dimension in scope.active_filters():
        wanted = [name for name in names if dimension in tables[name].depends_on]
        if not wanted:
            continue
        other = Context(scope.complement(dimension))
        for name in wanted:
            tables[name].extra.setdefault("complements", []).append(BUILDERS[name](other))
    for table in tables.values():
        finish(table, table.extra.pop("complements", []))
    return tables


def _chart(table: Table, column: int, title: str, *, target: float | None = None) -> Chart:
    labels = [row.label for row in table.rows]
    values = [None if row.cells[column].hidden else row.cells[column].value for row in table.rows]
    hidden = {row.label for row in table.rows if row.cells[column].hidden}
    result = spc(labels, values, higher_is_better=True, target=target, floor=0, ceiling=100)
    svg = spc_chart(result, title=title, unit="%", chart_id=f"chart-{table.slug}")
    return Chart(title, svg, result, table, spc_table(result, unit="%", suppressed_labels=hidden))


def engagement_report(scope: ReportScope, only: list[str] | None = None) -> Report:
    names = only or list(BUILDERS)
    tables = _suppressed_tables(scope, names)
    sections = [
        (heading, [tables[b.__name__] for b in builders if b.__name__ in tables])
        for heading, builders in SECTIONS
    ]
    charts = {}
    if "coverage_by_month" in tables:
        charts["coverage"] = _chart(
            tables["coverage_by_month"], 1, "Coverage by month (% of eligible staff)"
        )
    if "attendance_rate" in tables:
        charts["attendance"] = _chart(tables["attendance_rate"], 0, "Attendance rate by month (%)")
    return Report(scope, [s for s in sections if s[1]], charts)


# The CSV file each table downloads as, and the builder that makes it.
SLUGS = {
    "coverage": "coverage_by_programme",
    "coverage-monthly": "coverage_by_month",
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


def table_for_export(scope: ReportScope, slug: str) -> Table | None:
    name = SLUGS.get(slug)
    return None if name is None else _suppressed_tables(scope, [name])[name]


def _version_key(organisation_id: int) -> str:
    return f"reports:version:{organisation_id}"


def reports_changed(organisation_id: int) -> None:
    """Forget the organisation's cached reports (a target changed, say)."""
    try:
        cache.incr(_version_key(organisation_id))
    except ValueError:
        cache.set(_version_key(organisation_id), 1, None)


def _cache_key(scope: ReportScope) -> str:
    """The filters, the day and the organisation's version (`reports_changed`)."""
    version = cache.get(_version_key(scope.organisation_id), 0)
    digest = hashlib.sha256(repr((scope.key(), version, timezone.localdate())).encode())
    return f"reports:engagement:{digest.hexdigest()}"


def cached_engagement_report(scope: ReportScope) -> Report:
    """The report, built at most every REPORT_CACHE_SECONDS for the same filters.

    A board report does not need to be live to the second, and building one
    runs dozens of aggregates over the whole period; the cache is shared by
    every web process. The key carries the filters, the day and a per-
    organisation version that `reports_changed` bumps.
    """
    timeout = settings.REPORT_CACHE_SECONDS
    if not timeout:
        return engagement_report(scope)
    key = _cache_key(scope)
    report = cache.get(key)
    if report is None:
        report = engagement_report(scope)
        cache.set(key, report, timeout)
    return report


def cached_report_html(scope: ReportScope, render: Callable[[Report], str], *vary: str) -> str:
    """`render(report)`, kept as long as the report itself and forgotten with it.

    The report's tables and charts are thousands of template nodes; the page
    asks for them again on every visit with the same filters. `vary` is what
    else the HTML depends on (the query string of its CSV links, the language).
    """
    timeout = settings.REPORT_CACHE_SECONDS
    if not timeout:
        return render(engagement_report(scope))
    digest = hashlib.sha256(repr(vary).encode()).hexdigest()
    key = f"{_cache_key(scope)}:html:{digest}"
    html = cache.get(key)
    if html is None:
        html = str(render(cached_engagement_report(scope)))
        cache.set(key, html, timeout)
    # Our own template's output, escaped when it was rendered.
    return mark_safe(html)  # noqa: S308
