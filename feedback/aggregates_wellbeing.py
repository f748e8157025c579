"""Aggregates of wellbeing check-ins, made safe to show through `disclosure`.

Anyone who is not the author sees check-ins only as aggregates: the numbers
of people and of check-ins rounded to the nearest 5 (small ones too, as every
count is), and the mean feeling only where at least `disclosure.MINIMUM_PEOPLE`
distinct people (not check-ins: one person checking in five times is still
one person) stand behind it; otherwise `disclosure.HIDDEN_SMALL` ("fewer than 5").
"""

from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncMonth

import disclosure

GROUPINGS = ("department_id", "band", "profession", "organisation_id", "month")


def wellbeing_aggregate(checkins_queryset: QuerySet, group_by: str | None = None) -> list[dict]:
    """Counts and mean feeling per group, in one query.

    Returns one dict per group (a single one with group None when `group_by`
    is None): {"group", "people", "checkins", "mean", "suppressed"}. People and
    check-ins are rounded counts (`disclosure.count`); in a suppressed row (fewer
    than 5 people) the mean is `disclosure.HIDDEN_SMALL`. `group_by` is one of
    GROUPINGS; "month" groups by the month of created_at.
    """
    if group_by is not None and group_by not in GROUPINGS:
        raise ValueError(f"Cannot group wellbeing check-ins by {group_by!r}")
    queryset = checkins_queryset.order_by()
    if group_by == "month":
        queryset = queryset.annotate(month=TruncMonth("created_at"))
    if group_by is not None:
        queryset = queryset.values(group_by)
    stats = {
        "people": Count("author_id", distinct=True),
        "checkins": Count("id"),
        "mean": Avg("feeling"),
    }
    if group_by is None:
        rows = [{"group": None, **queryset.aggregate(**stats)}]
    else:
        rows = [
            {"group": row[group_by], **{key: row[key] for key in stats}}
            for row in queryset.annotate(**stats).order_by(group_by)
        ]
    result = []
    for row in rows:
        people = row["people"] or 0
        mean = disclosure.mean(row["mean"], people)
        result.append(
            {
                "group": row["group"],
                "people": disclosure.count(people).value,
                "checkins": disclosure.count(row["checkins"], people).value,
                "mean": mean.shown,
                "suppressed": mean.hidden,
            }
        )
    return result
