"""Aggregates of wellbeing check-ins, made safe to show through `disclosure`.

Anyone who is not the author sees check-ins only as aggregates. A row built
from fewer than `disclosure.MINIMUM_PEOPLE` distinct people (not check-ins:
one person checking in five times is still one person) shows the
`disclosure.HIDDEN_SMALL` marker ("fewer than 5") instead of every figure;
other counts are rounded to the nearest 5 and means need 5 people behind them.
"""

from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncMonth

import disclosure

GROUPINGS = ("department_id", "band", "profession", "organisation_id", "month")


def wellbeing_aggregate(checkins_queryset: QuerySet, group_by: str | None = None) -> list[dict]:
    """Counts and mean feeling per group, in one query.

    Returns one dict per group (a single one with group None when `group_by`
    is None): {"group", "people", "checkins", "mean", "suppressed"}. In a
    suppressed row people, checkins and mean are all `disclosure.HIDDEN_SMALL`;
    otherwise people and checkins are rounded counts (`disclosure.count`) and
    mean is `disclosure.mean`. `group_by` is one of GROUPINGS; "month" groups
    by the month of created_at.
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
        if disclosure.is_small(people):
            marker = disclosure.HIDDEN_SMALL
            result.append(
                {
                    "group": row["group"],
                    "people": marker,
                    "checkins": marker,
                    "mean": marker,
                    "suppressed": True,
                }
            )
            continue
        result.append(
            {
                "group": row["group"],
                "people": disclosure.count(people).value,
                "checkins": disclosure.count(row["checkins"], people).value,
                "mean": disclosure.mean(row["mean"], people).value,
                "suppressed": False,
            }
        )
    return result
