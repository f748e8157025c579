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

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When

from kernel.models import Modality
from supervision.reporting import eligible_q

from .models import ActivityRollup, CoverageTarget


def coverage_targets(programmes) -> dict[int, int]:
    """{programme id: percent} of the targets set for `programmes`, which the caller has
    from a report's scope or from reports.permissions."""
    targets = CoverageTarget.objects.filter(programme__in=programmes)
    return dict(targets.values_list("programme_id", "percent"))


def rollups(scope, kind: str | None = None) -> QuerySet:
    """Roll-up rows of the scope's organisation, programme and people, in the scope's years."""
    years = sorted({month.year for month in scope.months})
    rows = ActivityRollup.objects.filter(
        organisation_id=scope.organisation_id, year__in=years, user__is_active=True
    )
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


def _month_stats(scope) -> dict:
    """Per month: the facts (sum) and the people (distinct); the people in the whole window."""
    stats: dict = {"people": Count("user", distinct=True, filter=in_window(scope))}
    for index, month in enumerate(scope.months):
        stats[f"n{index}"] = Sum(f"m{month.month}", filter=Q(year=month.year))
        stats[f"p{index}"] = Count("user", distinct=True, filter=_had(month))
    return stats


def _unpack(scope, row) -> tuple[dict, tuple[int, int]]:
    """({month: (facts, people)}, (facts, people) in the window) of one aggregate row."""
    by_month = {
        month: (row[f"n{index}"] or 0, row[f"p{index}"]) for index, month in enumerate(scope.months)
    }
    return by_month, (sum(n for n, _ in by_month.values()), row["people"])


def month_counts(scope, rows: QuerySet, categories: Mapping[str, Iterable[str]]):
    """What tables.crosstab counts, by month and category, from roll-up rows (two queries).

    `categories` maps each category to the keys it is made of; a key in none is
    its own category (in the totals, as every raw row is). Returns the cells,
    the rows, the columns and the grand total, as tables.crosstab takes them.
    """
    whens = [When(key__in=list(keys), then=Value(name)) for name, keys in categories.items()]
    category = Case(*whens, default=F("key"), output_field=CharField())
    stats = _month_stats(scope)
    by_cell, by_row, by_column = {}, {}, {}
    grouped = rows.order_by().annotate(category=category).values("category").annotate(**stats)
    for row in grouped.order_by():
        by_month, whole = _unpack(scope, row)
        for month, counts in by_month.items():
            by_cell[(month, row["category"])] = counts
        by_column[(row["category"],)] = whole
    by_month, grand = _unpack(scope, rows.order_by().aggregate(**stats))
    by_row = {(month,): counts for month, counts in by_month.items()}
    return by_cell, by_row, by_column, grand


def people_by_month(scope, rows: QuerySet) -> tuple[dict[datetime.date, int], int]:
    """Distinct people with a fact in each month, and in the whole window (one query)."""
    by_month, (_, people) = _unpack(scope, rows.order_by().aggregate(**_month_stats(scope)))
    return {month: counted for month, (_, counted) in by_month.items()}, people


def by_programme(scope, rows: QuerySet) -> dict[int, tuple[int, int]]:
    """{programme: (facts, distinct people)} in the window (one query)."""
    found = {}
    stats = _month_stats(scope)
    for row in rows.order_by().values("programme_id").annotate(**stats).order_by():
        _, found[row["programme_id"]] = _unpack(scope, row)
    return found


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
