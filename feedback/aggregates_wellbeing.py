"""Aggregates of wellbeing check-ins with small numbers suppressed.

Anyone who is not the author sees check-ins only as aggregates, and any cell
built from fewer than `minimum` distinct people (not check-ins: one person
checking in five times is still one person) is replaced by SUPPRESSED.
"""

from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext

GROUPINGS = ("department_id", "band", "profession", "organisation_id", "month")


class Suppressed:
    """The "fewer than N people" marker that stands in for a suppressed cell."""

    def __init__(self, minimum: int = 5):
        self.minimum = minimum

    def __str__(self) -> str:
        return gettext("fewer than %(minimum)s") % {"minimum": self.minimum}

    def __repr__(self) -> str:
        return f"Suppressed(minimum={self.minimum})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Suppressed) and other.minimum == self.minimum

    def __hash__(self) -> int:
        return hash(("Suppressed", self.minimum))


SUPPRESSED = Suppressed(5)


def wellbeing_aggregate(
    checkins_queryset: QuerySet, group_by: str | None = None, minimum: int = 5
) -> list[dict]:
    """Counts and mean feeling per group, in one query.

    Returns one dict per group (a single one with group None when `group_by`
    is None): {"group", "people", "checkins", "mean", "suppressed"}. In a
    suppressed row people, checkins and mean are all a Suppressed marker.
    `group_by` is one of GROUPINGS; "month" groups by the month of created_at.
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
    marker = Suppressed(minimum)
    result = []
    for row in rows:
        if (row["people"] or 0) < minimum:
            result.append(
                {
                    "group": row["group"],
                    "people": marker,
                    "checkins": marker,
                    "mean": marker,
                    "suppressed": True,
                }
            )
        else:
            result.append({**row, "mean": round(float(row["mean"]), 1), "suppressed": False})
    return result
