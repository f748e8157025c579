"""What the reports app itself holds for a report: coverage targets and the roll-ups.

The roll-ups (`reports.models.ActivityRollup`, kept by reports.services.
refresh_rollups) answer the session and group-meeting tables from a row per
person and year instead of a row per session: counts are sums of the month
columns, and the people behind a count are the distinct people with that month's
column above 0, so every figure is the one the raw tables give (tests/reports/
test_rollups.py holds them equal). Who the person is now is read through the
person, as the raw queries do.
"""

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, CharField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Left, StrIndex, Substr

from kernel.models import Modality
from supervision import reporting as supervision_reporting
from supervision.reporting import eligible_q

from .models import ActivityRollup, CoverageTarget


def coverage_targets(programmes) -> dict[int, int]:
    """{programme id: percent} of the targets set for `programmes`, which the caller has
    from a report's scope or from reports.permissions."""
    targets = CoverageTarget.objects.filter(programme__in=programmes)
    return dict(targets.values_list("programme_id", "percent"))


def rollups(scope, kind: str | None = None, active_only: bool = True) -> QuerySet:
    """Roll-up rows of the scope's organisation, programme and people, in the scope's years
    (of people still active, as the session and meeting figures count them)."""
    years = sorted({month.year for month in scope.months})
    rows = ActivityRollup.objects.filter(organisation_id=scope.organisation_id, year__in=years)
    if active_only:
        rows = rows.filter(user__is_active=True)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows.filter(scope.programme_q()).filter(scope.people_q("user__profile__"))


def _had(month: datetime.date) -> Q:
    """Rows with at least one fact in `month`."""
    return Q(year=month.year, **{f"m{month.month}__gt": 0})


def in_window(scope) -> Q:
    query = Q(pk__in=[])
    for month in scope.months:
        query |= _had(month)
    return query


def _counted(scope, rows: QuerySet, by: tuple[str, ...] = ()) -> list[tuple]:
    """(*by, {month: (facts, people)}, (facts, people) in the window) for each group `by`.

    Two levels in one statement: each person's facts per window month summed
    first (one row per person and group), then those rows counted, so the people
    are distinct without a DISTINCT per month. Counts only; no row is returned.
    """
    months = scope.months
    per_person = {
        f"s{index}": Sum(f"m{month.month}", filter=Q(year=month.year))
        for index, month in enumerate(months)
    }
    inner = rows.order_by().values("user_id", *by).annotate(**per_person).order_by()
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # nothing can match (no programme of this kind)
        return []
    columns = [f"s{index}" for index in range(len(months))]
    anything = " + ".join(f"COALESCE({column}, 0)" for column in columns)
    keys = ", ".join(by)
    selected = [
        *by,
        *(f"SUM({column})" for column in columns),
        *(f"COUNT(CASE WHEN {column} > 0 THEN 1 END)" for column in columns),
        f"COUNT(CASE WHEN {anything} > 0 THEN 1 END)",
    ]
    # Only our own column names and Django's parameterised SQL go into the text.
    query = f"SELECT {', '.join(selected)} FROM ({sql}) AS per_person"  # noqa: S608
    if by:
        query += f" GROUP BY {keys}"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        results = cursor.fetchall()
    found = []
    width = len(months)
    for result in results:
        group, values = result[: len(by)], result[len(by) :]
        sums, people = values[:width], values[width : 2 * width]
        by_month = {month: (sums[index] or 0, people[index]) for index, month in enumerate(months)}
        found.append((*group, by_month, (sum(n for n, _ in by_month.values()), values[-1])))
    return found


def month_counts(scope, rows: QuerySet, categories: Mapping[str, Iterable[str]]):
    """What tables.crosstab counts, by month and category, from roll-up rows (two queries).

    `categories` maps each category to the keys it is made of; a key in none is
    its own category (in the totals, as every raw row is). Returns the cells,
    the rows, the columns and the grand total, as tables.crosstab takes them.
    """
    whens = [When(key__in=list(keys), then=Value(name)) for name, keys in categories.items()]
    category = Case(*whens, default=F("key"), output_field=CharField())
    by_cell, by_column = {}, {}
    for name, by_month, whole in _counted(scope, rows.annotate(category=category), ("category",)):
        for month, counts in by_month.items():
            by_cell[(month, name)] = counts
        by_column[(name,)] = whole
    by_row, grand = {(month,): (0, 0) for month in scope.months}, (0, 0)
    for by_month, whole in _counted(scope, rows):
        by_row, grand = {(month,): counts for month, counts in by_month.items()}, whole
    return by_cell, by_row, by_column, grand


def people_by_month(scope, rows: QuerySet) -> tuple[dict[datetime.date, int], int]:
    """Distinct people with a fact in each month, and in the whole window (one query)."""
    for by_month, (_, people) in _counted(scope, rows):
        return {month: counted for month, (_, counted) in by_month.items()}, people
    return {}, 0


def by_programme(scope, rows: QuerySet) -> dict[int, tuple[int, int]]:
    """{programme: (facts, distinct people)} in the window (one query)."""
    return {programme: whole for programme, _, whole in _counted(scope, rows, ("programme_id",))}


def covered(scope, programme_list) -> QuerySet:
    """Rows of attended one-to-one sessions and presence at meetings, each in a programme
    of its modality the person is eligible for: supervision.reporting.covered and
    peergroups.reporting.covered together."""
    eligible = Q(pk__in=[])
    facts = {Modality.ONE_TO_ONE: ("session", "attended"), Modality.GROUP: ("group", "present")}
    for programme in programme_list:
        if programme.modality in facts:
            kind, key = facts[programme.modality]
            eligible |= Q(kind=kind, key=key, programme_id=programme.pk) & eligible_q(
                programme, "user__profile__"
            )
    return rollups(scope).filter(eligible)


def themes(scope) -> list[dict]:
    """supervision.reporting.themes from the roll-ups: {theme_name, count, people} of the
    themes recorded in the window, most common first (two queries)."""
    found = [
        (int(theme), whole)
        for theme, _, whole in _counted(scope, rollups(scope, "theme"), ("key",))
    ]
    names = supervision_reporting.theme_names(scope, [theme for theme, (n, _) in found if n])
    rows = [
        {"theme_name": names[theme], "count": n, "people": people}
        for theme, (n, people) in found
        if n and theme in names
    ]
    return sorted(rows, key=lambda row: (-row["count"], row["theme_name"]))


def _ratings(scope) -> QuerySet:
    # Ratings are counted whoever has left since, as feedback.reporting.ratings counts them.
    return rollups(scope, "rating", active_only=False)


def _rating_part(key: str) -> tuple[int, int]:
    question, _, rating = key.partition(":")
    return int(question), int(rating)


def rating_counts(scope):
    """feedback.reporting.ratings counted by question and rating, as tables.crosstab_from
    takes them (four queries)."""
    rows = _ratings(scope)
    colon = StrIndex("key", Value(":"))
    by_cell = {_rating_part(key): whole for key, _, whole in _counted(scope, rows, ("key",))}
    question = rows.annotate(question=Left("key", colon - 1))
    by_row = {(int(q),): whole for q, _, whole in _counted(scope, question, ("question",))}
    rating = rows.annotate(rating=Substr("key", colon + 1))
    by_column = {(int(r),): whole for r, _, whole in _counted(scope, rating, ("rating",))}
    grand = next((whole for _, whole in _counted(scope, rows)), (0, 0))
    return by_cell, by_row, by_column, grand


def rating_means(scope) -> tuple[dict, dict]:
    """The mean rating and the people behind it, by month and overall (two queries)."""
    rows = _ratings(scope)
    totals = {month: [0, 0] for month in scope.months}  # sum of ratings, answers
    for key, by_month, _ in _counted(scope, rows, ("key",)):
        _, rating = _rating_part(key)
        for month, (n, _people) in by_month.items():
            totals[month][0] += rating * n
            totals[month][1] += n
    monthly_people, everyone = people_by_month(scope, rows)

    def stated(total: int, answers: int, people: int) -> dict:
        return {"mean": total / answers if answers else None, "people": people}

    by_month = {
        month: stated(total, answers, monthly_people.get(month, 0))
        for month, (total, answers) in totals.items()
        if answers
    }
    overall = stated(
        sum(t for t, _ in totals.values()), sum(a for _, a in totals.values()), everyone
    )
    return by_month, overall
