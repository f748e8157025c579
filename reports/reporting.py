"""What the reports app itself holds for a report: coverage targets and the roll-ups.

The roll-ups (`reports.models.ActivityRollup`, kept by reports.services.
refresh_rollups) answer the session and group-meeting tables from a row per
person and year instead of a row per session: counts are sums of the month
columns, and the people behind a count are the distinct people with that month's
column above 0, so every figure is the one the raw tables give (tests/reports/
test_rollups.py holds them equal). Who the person is now (department, band,
profession, eligibility, still active) is what each person's share of the
cells records, and is compared with the person before every read.

The engagement report reads them summed into its cells (reports.cells:
each group of every grouping its tables need, `report_groupings`, SQL over a
row's programme, kind and key, and whether it covers its person, per month
and slice of the staff) through `CellCounts`, for its window and the
headline's previous period, in one statement.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Case, Count, IntegerField, Min, Q, Value, When
from django.db.models.functions import Coalesce

from kernel.models import Modality
from kernel.prepared import PreparedQuery
from supervision import reporting as supervision_reporting
from supervision.reporting import eligible_q

from . import db
from .models import GAPS, SLICE, WHOLE, CoverageTarget, ReportCell, RollupPending
from .scope import PEOPLE_DIMENSIONS


def coverage_targets(programmes) -> dict[int, int]:
    """{programme id: percent} of the targets set for `programmes`, which the caller has
    from a report's scope or from reports.permissions."""
    targets = CoverageTarget.objects.filter(programme__in=programmes)
    return dict(targets.values_list("programme_id", "percent"))


# The rows waiting for one organisation, counted, and the oldest: asked before every
# report page, its SQL built once per process (one group: none when nothing waits).
_backlog_of = PreparedQuery(
    lambda organisation_id: (
        RollupPending.objects.filter(user__profile__organisation_id=organisation_id)
        .order_by()
        .values("user__profile__organisation_id")
        .annotate(rows=Count("pk"), since=Min("created_at"))
        .values_list("rows", "since")
    )
)


def rollup_backlog(organisation_id: int) -> dict:
    """Changes to facts of the organisation's people not yet in the roll-ups
    (reports.services.rollups_mark_stale): {rows, since} in one query."""
    found = _backlog_of(organisation_id)
    rows, since = found[0] if found else (0, None)
    return {"rows": rows, "since": since}


# Kinds counted whoever has left since (as feedback.reporting.ratings counts ratings);
# every other kind counts only people still active, as the session and meeting
# figures count them.
COUNTED_AFTER_LEAVING = ("rating",)


def themes(context) -> list[dict]:
    """supervision.reporting.themes from the roll-ups: {theme_name, count, people} of the
    themes recorded in the window, most common first (the names: one query)."""
    found = [(int(theme), whole) for theme, (_, whole) in context.counted("theme").items()]
    names = supervision_reporting.theme_names(context.scope, [t for t, (n, _) in found if n])
    rows = [
        {"theme_name": names[theme], "count": n, "people": people}
        for theme, (n, people) in found
        if n and theme in names
    ]
    return sorted(rows, key=lambda row: (-row["count"], row["theme_name"]))


def _rating_part(key: str) -> tuple[int, int]:
    question, _, rating = key.partition(":")
    return int(question), int(rating)


def rating_counts(context):
    """feedback.reporting.ratings counted by question and rating, as tables.crosstab_from
    takes them (from the report's CellCounts)."""
    by_cell = {_rating_part(key): whole for key, (_, whole) in context.counted("rating").items()}
    by_row = {(int(q),): whole for q, (_, whole) in context.counted("question").items()}
    by_column = {(int(r),): whole for r, (_, whole) in context.counted("rating_value").items()}
    grand = (context.kind_total("rating") or ({}, (0, 0)))[1]
    return by_cell, by_row, by_column, grand


def rating_means(context) -> tuple[dict, dict]:
    """The mean rating and the people behind it, by month and overall (from the
    report's CellCounts)."""
    totals = {month: [0, 0] for month in context.scope.months}  # sum of ratings, answers
    for key, (by_month, _) in context.counted("rating").items():
        _, rating = _rating_part(key)
        for month, (n, _people) in by_month.items():
            totals[month][0] += rating * n
            totals[month][1] += n
    monthly, (_, everyone) = context.kind_total("rating") or ({}, (0, 0))

    def stated(total: int, answers: int, people: int) -> dict:
        return {"mean": total / answers if answers else None, "people": people}

    by_month = {
        month: stated(total, answers, monthly.get(month, (0, 0))[1])
        for month, (total, answers) in totals.items()
        if answers
    }
    overall = stated(
        sum(t for t, _ in totals.values()), sum(a for _, a in totals.values()), everyone
    )
    return by_month, overall


# --- every roll-up figure of a report in one statement -------------------------
#
# Each table above asks for one grouping of the cells (reports.cells), and the
# headline asks again for the period before. `CellCounts` counts all of them,
# for the report's window and the previous period together, in one statement.


Found = dict[str, tuple[dict[datetime.date, tuple[int, int]], tuple[int, int]]]
Counted = dict[str, dict[str, tuple[list[int], list[int], list[int]]]]
Sql = tuple[str, list]  # text with %s placeholders, and their values

# What a grouping may read of a roll-up row: its combination. Every row of a
# combination falls in the same groups, so the groupings are worked out once
# per combination, not once per row.
COMBINATION = ("programme_id", "kind", "key")


@dataclass(frozen=True)
class Groupings:
    """The ways of grouping roll-up rows that the report's cells are counted by.

    `by` maps a grouping's name to SQL over a row's combination (COMBINATION and
    the columns of `person`) giving its group as text, or NULL to leave the row
    out of that grouping (as a row of another kind is). `person` adds to the
    combination what a grouping needs of the row's person, as expressions over
    the roll-up row; keep them few-valued, as every value makes more combinations.
    """

    by: Mapping[str, Sql]
    person: Mapping[str, Any] = field(default_factory=dict)


# The month number of the figures about now, not about a month: who is eligible
# (reports.cells keeps them with the months).
NOW = 0


def month_number(month: datetime.date) -> int:
    """A month (its first day) as ReportCell.month counts it."""
    return month.year * 12 + month.month - 1


def window_people(scope) -> str:
    """SQL summing, over cells (ReportCell, CheckinCell) of `scope`'s months, the people of
    its window: p(m - a) of each month m of the window a..b."""
    first = month_number(scope.first_month)
    length = len(scope.months)
    if length > GAPS:
        raise ValueError(f"A window of {length} months: the cells count up to {GAPS}.")
    branches = " ".join(f"WHEN {first + n} THEN p{n}" for n in range(length))
    return f"SUM(CASE month {branches} ELSE 0 END)"


class CellCounts:
    """The report's cells (reports.models.ReportCell) counted for one or more windows of
    months with the same filters (a report's and the period before its own): for
    every grouping, each group's facts and people month by month and over each
    window. One statement, the first time any figure is asked for.

    A report with no people filter reads the organisation's whole; with one, the
    slices it selects, summed. Counts are sums of `facts`; a month's people its
    `p0`; a window's people, a..b, the sum over its months m of p(m - a): the
    people whose previous month in the group came before the window, each once.
    """

    def __init__(self, scopes):
        self.scopes = list(scopes)
        self.months = sorted({month for scope in self.scopes for month in scope.months})
        self._found: Counted | None = None
        self._now: dict[str, dict[str, int]] = {}

    def now(self, grouping: str) -> dict[str, int]:
        """{group: people} of a grouping about now (NOW): who is eligible."""
        if self._found is None:
            self._found = self._count()
        return self._now.get(grouping, {})

    def found(self, scope, grouping: str) -> Found:
        """{group: ({month: (facts, people)}, (facts, people) over the window)} of
        `scope`'s window, one of those counted, for one grouping."""
        if self._found is None:
            self._found = self._count()
        window = self.scopes.index(scope)
        positions = [(self.months.index(month), month) for month in scope.months]
        result = {}
        for group, (facts, people, whole) in self._found.get(grouping, {}).items():
            by_month = {month: (facts[index], people[index]) for index, month in positions}
            result[group] = (by_month, (sum(facts[index] for index, _ in positions), whole[window]))
        return result

    def _statement(self) -> Sql:
        scope = self.scopes[0]
        numbers = [month_number(month) for month in self.months]
        where = [
            "organisation_id = %s",
            "programme_id = %s",
            "(month BETWEEN %s AND %s OR month = %s)",
        ]
        params = [scope.organisation_id, scope.programme_id or 0, min(numbers), max(numbers), NOW]
        chosen = [
            (name, getattr(scope, name))
            for name in PEOPLE_DIMENSIONS
            if getattr(scope, name) not in (None, "")
        ]
        where.append("level = %s")
        params.append(SLICE if chosen else WHOLE)
        for name, value in chosen:
            where.append(f"{name} = %s")
            params.append(value)
        wholes = ", ".join(window_people(one) for one in self.scopes)
        table = connection.ops.quote_name(ReportCell._meta.db_table)
        grouping = connection.ops.quote_name("grouping")
        # Only our own names and numbers go into the text; the values are parameters.
        statement = (
            f"SELECT {grouping}, grp, month, SUM(facts), SUM(p0), {wholes} "  # noqa: S608
            f"FROM {table} WHERE {' AND '.join(where)} GROUP BY {grouping}, grp, month"
        )
        return statement, params

    def _count(self) -> Counted:
        statement, params = self._statement()
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            results = cursor.fetchall()
        positions = {month_number(month): index for index, month in enumerate(self.months)}
        width, windows = len(self.months), len(self.scopes)
        found: Counted = {}
        for grouping, group, month, facts, people, *wholes in results:
            if month == NOW:
                self._now.setdefault(grouping, {})[group] = int(people)
                continue
            index = positions.get(month)
            if index is None or not people:  # a month between, or a cell emptied since
                continue
            counted, by_month, whole = found.setdefault(grouping, {}).setdefault(
                group, ([0] * width, [0] * width, [0] * windows)
            )
            counted[index], by_month[index] = int(facts), int(people)
            for number, n in enumerate(wholes):
                whole[number] += int(n)
        return found


def crosstab_counts(by_category: Found, total: tuple | None, months):
    """What tables.crosstab_from takes (cells, rows, columns, grand total) from a
    grouping by category and the total of every row of the kind (`found(...)[kind]`)."""
    by_cell = {
        (month, name): counts
        for name, (by_month, _) in by_category.items()
        for month, counts in by_month.items()
    }
    by_column = {(name,): whole for name, (_, whole) in by_category.items()}
    by_row = {(month,): (0, 0) for month in months}
    grand = (0, 0)
    if total is not None:
        by_row = {(month,): counts for month, counts in total[0].items()}
        grand = total[1]
    return by_cell, by_row, by_column, grand


# The sessions' keys by the category of the activity table each falls in.
ACTIVITY_KEYS = {
    category: [
        key
        for key in supervision_reporting.SESSION_KEYS
        if supervision_reporting.activity_category(key) == category
    ]
    for category, _ in supervision_reporting.ACTIVITY
}
# Sessions that were due to happen: attended, did not attend, cancelled late.
DUE = ("attended", "did_not_attend", "cancelled_late")
_COVERING = {Modality.ONE_TO_ONE: ("session", "attended"), Modality.GROUP: ("group", "present")}


def _covered_q(programme_list) -> Q:
    """covered()'s condition: attended sessions and presence at meetings, each in a
    programme of its modality the person is eligible for."""
    eligible = Q(pk__in=[])
    for programme in programme_list:
        if programme.modality in _COVERING:
            kind, key = _COVERING[programme.modality]
            eligible |= Q(kind=kind, key=key, programme_id=programme.pk) & eligible_q(
                programme, "user__profile__"
            )
    return eligible


# SQL over a row's combination, with its parameters (Sql), for the groupings.


def _column(name: str) -> Sql:
    return f'"{name}"', []


def _value(value: str) -> Sql:
    return "%s", [value]


def _in(column: str, values) -> Sql:
    values = list(values)
    if not values:
        return "1 = 0", []
    return f'"{column}" IN ({", ".join(["%s"] * len(values))})', values


def _joined(operator: str, conditions: tuple[Sql, ...]) -> Sql:
    return f" {operator} ".join(f"({text})" for text, _ in conditions), [
        value for _, values in conditions for value in values
    ]


def _all(*conditions: Sql) -> Sql:
    return _joined("AND", conditions)


def _any(*conditions: Sql) -> Sql:
    if not conditions:  # none can hold
        return "1 = 0", []
    return _joined("OR", conditions)


def _case(*branches: tuple[Sql, Sql]) -> Sql:
    """CASE WHEN condition THEN value … END (NULL when none holds)."""
    text = " ".join(f"WHEN {condition} THEN {value}" for (condition, _), (value, _) in branches)
    params = [p for (_, when), (_, then) in branches for p in (*when, *then)]
    return f"(CASE {text} END)", params


def _text(sql: str) -> Sql:
    return f"CAST({sql} AS VARCHAR(20))", []


def report_groupings(programme_list) -> Groupings:
    """The groupings of roll-up rows the engagement report's tables are made from
    (reports.cells), for the report's supervision programmes."""
    session = _in("kind", ["session"])
    rating = _in("kind", ["rating"])
    used = [
        _all(_in("programme_id", [one.pk]), _in("key", supervision_reporting.usage_keys(one)))
        for one in programme_list
        if one.modality == Modality.ONE_TO_ONE
    ]
    due_keys = [key for category in DUE for key in ACTIVITY_KEYS[category]]
    # covered_in: the department of a row that covers its person (0 without one),
    # -1 for every other row.
    covered: Sql = ('"covered_in" >= 0', [])
    question, rating_value = db.split_at_colon('"key"')
    return Groupings(
        by={
            # every row of a kind: the totals of its tables
            "kind": _column("kind"),
            "activity": _case(
                *(
                    (_all(session, _in("key", keys)), _value(category))
                    for category, keys in ACTIVITY_KEYS.items()
                ),
                (session, _column("key")),
            ),
            "attended": _case(
                (_all(session, _in("key", ACTIVITY_KEYS["attended"])), _value("attended"))
            ),
            "due": _case((_all(session, _in("key", due_keys)), _value("due"))),
            "used": _case((_all(session, _any(*used)), _text('"programme_id"'))),
            "covered": _case((covered, _value("covered"))),
            "covered_programme": _case((covered, _text('"programme_id"'))),
            # by the person's department now (none without one: no department row shows them)
            "covered_department": _case((('"covered_in" > 0', []), _text('"covered_in"'))),
            "group": _case((_in("kind", ["group"]), _column("key"))),
            "theme": _case((_in("kind", ["theme"]), _column("key"))),
            "rating": _case((rating, _column("key"))),
            "question": _case((rating, (question, []))),
            "rating_value": _case((rating, (rating_value, []))),
        },
        person={
            "covered_in": Case(
                When(
                    _covered_q(programme_list),
                    then=Coalesce("user__profile__department_id", Value(0)),
                ),
                default=Value(-1),
                output_field=IntegerField(),
            )
        },
    )
