"""What the reports app itself holds for a report: coverage targets and the roll-ups.

The roll-ups (`reports.models.ActivityRollup`, kept by reports.services.
refresh_rollups) answer the session and group-meeting tables from a row per
person and year instead of a row per session: counts are sums of the month
columns, and the people behind a count are the distinct people with that month's
column above 0, so every figure is the one the raw tables give (tests/reports/
test_rollups.py holds them equal). Who the person is now is read through the
person, as the raw queries do.

The engagement report reads them through `RollupCounts`: every grouping its
tables need (`report_groupings`, SQL over a row's programme, kind and key, and
whether it covers its person), for its window and the headline's previous
period, in one statement.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, Count, IntegerField, Min, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from kernel.models import Modality
from supervision import reporting as supervision_reporting
from supervision.reporting import eligible_q

from . import db
from .models import MONTH_FIELDS, ActivityRollup, CoverageTarget, RollupPending


def coverage_targets(programmes) -> dict[int, int]:
    """{programme id: percent} of the targets set for `programmes`, which the caller has
    from a report's scope or from reports.permissions."""
    targets = CoverageTarget.objects.filter(programme__in=programmes)
    return dict(targets.values_list("programme_id", "percent"))


def rollup_backlog(organisation_id: int) -> dict:
    """Changes to facts of the organisation's people not yet in the roll-ups
    (reports.services.rollups_mark_stale): {rows, since} in one query."""
    pending = RollupPending.objects.filter(user__profile__organisation_id=organisation_id)
    return pending.aggregate(rows=Count("pk"), since=Min("created_at"))


# Kinds counted whoever has left since (as feedback.reporting.ratings counts ratings);
# every other kind counts only people still active, as the session and meeting
# figures count them.
COUNTED_AFTER_LEAVING = ("rating",)


def _rows_of(scope, months) -> QuerySet:
    """Roll-up rows of the scope's organisation, programme and people, in the years of
    `months`."""
    years = sorted({month.year for month in months})
    rows = ActivityRollup.objects.filter(organisation_id=scope.organisation_id, year__in=years)
    return rows.filter(scope.programme_q()).filter(scope.people_q("user__profile__"))


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
    takes them (from the report's RollupCounts)."""
    by_cell = {_rating_part(key): whole for key, (_, whole) in context.counted("rating").items()}
    by_row = {(int(q),): whole for q, (_, whole) in context.counted("question").items()}
    by_column = {(int(r),): whole for r, (_, whole) in context.counted("rating_value").items()}
    grand = (context.kind_total("rating") or ({}, (0, 0)))[1]
    return by_cell, by_row, by_column, grand


def rating_means(context) -> tuple[dict, dict]:
    """The mean rating and the people behind it, by month and overall (from the
    report's RollupCounts)."""
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
# Each table above asks its own statement of the roll-ups (and the headline asks
# again for the period before). A report needs only a handful of ways of
# grouping the rows; `RollupCounts` counts all of them, for the report's window
# and the previous period together, in one statement that reads the rows once.


Found = dict[str, tuple[dict[datetime.date, tuple[int, Any]], tuple[int, int]]]
Counted = dict[str, dict[str, tuple[list[int], list[int | None], list[int]]]]
Sql = tuple[str, list]  # text with %s placeholders, and their values

# Which of the counted months a row (or a person) had a fact in is one bit per
# month of an integer: 62 months to a 64-bit integer (no sign bit, so every shift
# stays positive). The longest window the form offers, 36 months, and the 36
# before it take two.
MONTHS_PER_MASK = 62
# The kinds of row the statement answers (the first column of each): a year's
# facts, a group's people month by month and over each window, or over each
# window only (the groupings not `monthly`).
_FACTS, _PEOPLE, _WHOLES = 0, 1, 2
# What a grouping may read of a row: its combination. Every row of a combination
# falls in the same groups, so the groupings are worked out once per combination
# (a few hundred), not once per row.
COMBINATION = ("programme_id", "kind", "key")


@dataclass(frozen=True)
class Groupings:
    """The ways of grouping roll-up rows that RollupCounts counts at once.

    `by` maps a grouping's name to SQL over a row's combination (COMBINATION and
    the columns of `person`) giving its group as text, or NULL to leave the row
    out of that grouping (as a row of another kind is). `person` adds to the
    combination what a grouping needs of the row's person, as expressions over
    the roll-up row; keep them few-valued, as every value makes more combinations.
    `monthly` names the groupings whose people are wanted month by month; the
    others' are counted over each window only (most of the work), and their
    months' people are None.
    """

    by: Mapping[str, Sql]
    person: Mapping[str, Any] = field(default_factory=dict)
    monthly: frozenset[str] = frozenset()


class RollupCounts:
    """Roll-up rows counted by several groupings at once, for one or more windows of
    months with the same filters (a report's and the period before its own).

    Rows are those of people still active, but those of the kinds
    COUNTED_AFTER_LEAVING whoever has left since. One query, the first time any
    figure is asked for.

    Every row falls in its groups by its combination (Groupings), so the
    statement first sums the rows per combination and year (a few hundred
    cells) and maps each combination to its groups once. Counts are sums: each
    group's are its combinations' cells summed. People are not sums: each
    person's months with a fact are one integer per row (bit i for month i,
    MONTHS_PER_MASK), OR-ed per person and combination, then per person and
    group, and the people behind a month are the persons with its bit set, those
    behind a window the persons with any of its bits. So every figure is exactly
    the distinct people with a fact there, without a sum per person per month.

    A new kind of roll-up row (a `*_facts` source in reports.services) reaches
    the report by a grouping in `report_groupings` that is NULL for every other
    kind and, for its total, the "kind" grouping that is there already; its
    builder reads them with Context.counted. No statement of its own.
    """

    def __init__(self, scopes, groupings: Groupings):
        self.scopes = list(scopes)
        self.groupings = groupings
        self.months = sorted({month for scope in self.scopes for month in scope.months})
        self._found: Counted | None = None

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

    def _rows(self) -> QuerySet:
        """The rows: each one's person, year, combination and month columns."""
        rows = _rows_of(self.scopes[0], self.months)
        rows = rows.filter(Q(user__is_active=True) | Q(kind__in=COUNTED_AFTER_LEAVING))
        person = dict(self.groupings.person)
        rows = rows.annotate(**person).order_by()
        return rows.values("user_id", "year", *COMBINATION, *person, *MONTH_FIELDS)

    def _mask_parts(self) -> list[list[int]]:
        """The positions in self.months of each mask's months."""
        every = range(len(self.months))
        return [list(every[start : start + MONTHS_PER_MASK]) for start in every[::MONTHS_PER_MASK]]

    def _masks(self) -> list[str]:
        """Per mask, SQL for a row's bits: the counted months of its year it had a fact in."""
        masks = []
        for part in self._mask_parts():
            by_year: dict[int, list[str]] = {}
            for bit, index in enumerate(part):
                month = self.months[index]
                by_year.setdefault(month.year, []).append(
                    f"(CASE WHEN m{month.month} > 0 THEN {1 << bit} ELSE 0 END)"
                )
            years = " ".join(
                f"WHEN {year} THEN {' | '.join(bits)}" for year, bits in by_year.items()
            )
            masks.append(f"(CASE year {years} ELSE 0 END)")
        return masks

    def _window_people(self, scope) -> str:
        """SQL counting the persons (rows of per_person) with a fact in `scope`'s months."""
        wanted = {self.months.index(month) for month in scope.months}
        tests = []
        for number, part in enumerate(self._mask_parts()):
            bits = sum(1 << bit for bit, index in enumerate(part) if index in wanted)
            if bits:
                tests.append(f"(k{number} & {bits}) <> 0")
        return f"COUNT(CASE WHEN {' OR '.join(tests)} THEN 1 END)"

    def _statement(self, sql: str) -> Sql:
        """The one statement over the rows' SQL (see the class's docstring), and the
        groupings' parameters (after the rows')."""
        columns = [f'"{name}"' for name in (*COMBINATION, *self.groupings.person)]
        combination = ", ".join(columns)
        masks = [f"k{number}" for number in range(len(self._mask_parts()))]
        width = max(len(MONTH_FIELDS), len(self.months) + len(self.scopes))

        def padded(values: list[str]) -> str:
            # Every kind of row goes out through one UNION ALL: the same columns, 0 after.
            return ", ".join(values + ["0"] * (width - len(values)))

        def ored(prefix: str = "") -> str:
            return ", ".join(f"BIT_OR({prefix}{mask}) AS {mask}" for mask in masks)

        mask_columns = ", ".join(
            f"{mask} AS k{number}" for number, mask in enumerate(self._masks())
        )
        month_sums = ", ".join(f"SUM({m}) AS {m}" for m in MONTH_FIELDS)
        # Each combination's groups, one row per grouping it falls in.
        mapping, params = [], []
        for number, (name, (text, values)) in enumerate(self.groupings.by.items()):
            monthly = int(name in self.groupings.monthly)
            mapping.append(
                f"SELECT combination, {number} AS grouping_no, {text} AS grp, "  # noqa: S608
                f"{monthly} AS monthly FROM combinations"
            )
            params.extend(values)
        any_month = " OR ".join(f"{mask} <> 0" for mask in masks)
        counts = [
            f"SUM(({mask} >> {bit}) & 1)"
            for mask, part in zip(masks, self._mask_parts(), strict=True)
            for bit in range(len(part))
        ]
        wholes = [self._window_people(scope) for scope in self.scopes]
        # One text naming the combination, so that each join is on one column (the
        # planner cannot estimate a join on four columns of a CTE, and sorts). Only
        # the key may hold a colon, so no two combinations share a text.
        named = " || ':' || ".join(columns)
        statement = (
            f"WITH r AS MATERIALIZED (SELECT *, {named} AS combination, {mask_columns} "  # noqa: S608
            f"FROM ({sql}) AS rows), "
            # the facts of each combination and year: counts are sums
            f"cells AS MATERIALIZED (SELECT combination, {combination}, year, {month_sums} "
            f"FROM r GROUP BY combination, {combination}, year), "
            f"combinations AS MATERIALIZED (SELECT DISTINCT combination, {combination} "
            "FROM cells), "
            f"mapping AS MATERIALIZED (SELECT combination, grouping_no, grp, monthly "
            f"FROM ({' UNION ALL '.join(mapping)}) AS m WHERE grp IS NOT NULL), "
            # each person's months with a fact in each combination (rows with none in
            # the months counted are no one's figure: they count only in `cells`)
            f"people AS MATERIALIZED (SELECT user_id, combination, {ored()} "
            f"FROM r WHERE {any_month} GROUP BY user_id, combination), "
            # and in each group, of every grouping at once
            f"per_person AS MATERIALIZED (SELECT grouping_no, grp, monthly, {ored('people.')} "
            "FROM people JOIN mapping USING (combination) "
            "GROUP BY user_id, grouping_no, grp, monthly) "
            f"SELECT {_FACTS}, grouping_no, grp, year, "
            f"{padded([f'SUM({m})' for m in MONTH_FIELDS])} "
            "FROM cells JOIN mapping USING (combination) GROUP BY grouping_no, grp, year "
            f"UNION ALL SELECT {_PEOPLE}, grouping_no, grp, NULL, {padded(counts + wholes)} "
            "FROM per_person WHERE monthly = 1 GROUP BY grouping_no, grp "
            f"UNION ALL SELECT {_WHOLES}, grouping_no, grp, NULL, {padded(wholes)} "
            "FROM per_person WHERE monthly = 0 GROUP BY grouping_no, grp"
        )
        return statement, params

    def _count(self) -> Counted:
        names = list(self.groupings.by)
        try:
            sql, params = self._rows().query.sql_with_params()
        except EmptyResultSet:  # nothing can match
            return {}
        statement, grouping_params = self._statement(sql)
        # Only our own names and numbers, the groupings' SQL and Django's
        # parameterised SQL go into the text.
        with connection.cursor() as cursor:
            cursor.execute(statement, [*params, *grouping_params])
            results = cursor.fetchall()
        positions = {(month.year, month.month): index for index, month in enumerate(self.months)}
        width, windows = len(self.months), len(self.scopes)
        found: Counted = {}
        for part, number, value, year, *counts in results:
            facts, people, whole = found.setdefault(names[number], {}).setdefault(
                str(value), ([0] * width, [0] * width, [0] * windows)
            )
            if part == _FACTS:  # a year's months, of which those counted
                for month, n in enumerate(counts[: len(MONTH_FIELDS)], start=1):
                    index = positions.get((year, month))
                    if index is not None:
                        facts[index] = int(n or 0)
            elif part == _PEOPLE:
                people[:] = [int(n) for n in counts[:width]]
                whole[:] = [int(n) for n in counts[width : width + windows]]
            else:
                people[:] = [None] * width
                whole[:] = [int(n) for n in counts[:windows]]
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
    (RollupCounts), for the report's supervision programmes."""
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
        monthly=frozenset({"kind", "activity", "attended", "due", "covered", "group"}),
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
