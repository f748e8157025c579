"""Presenter: released themes, grouped by theme and by month or quarter, for the organisation.

Takes the rows `permissions.released_themes_for` gives and turns them into
what the themes page shows. Every figure and every group name passes through
the disclosure module: people are counted with `disclosure.count` (rounded),
and a statement says which group raised it only if `disclosure.group_named`
allows it for that statement. Statements in a cell are in the order of their
text, so nothing about when a group meets can be read from their order.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

import disclosure

PERIODS = ("quarter", "month")


@dataclass(frozen=True)
class ThemeLine:
    statement: str
    group: str | None  # None: the group is not named


@dataclass
class ThemeCell:
    theme: str
    lines: list[ThemeLine]
    people: disclosure.Cell  # people present at the meetings behind it, rounded


@dataclass
class Period:
    start: datetime.date
    label: str
    cells: list[ThemeCell]


def period_start(moment: datetime.datetime, period: str, zone: zoneinfo.ZoneInfo) -> datetime.date:
    """The first day of the month, or of the calendar quarter, `moment` falls in (locally)."""
    local = moment.astimezone(zone)
    month = local.month if period == "month" else 3 * ((local.month - 1) // 3) + 1
    return datetime.date(local.year, month, 1)


def period_label(start: datetime.date, period: str) -> str:
    if period == "month":
        return formats.date_format(start, "F Y")
    last = start.replace(month=start.month + 2)
    return _("%(first)s to %(last)s %(year)s") % {
        "first": formats.date_format(start, "F"),
        "last": formats.date_format(last, "F"),
        "year": start.year,
    }


def line_for(row: dict) -> ThemeLine:
    """One statement as the organisation sees it: the group named only if the rule allows."""
    named = disclosure.group_named(len(row["present"]))
    return ThemeLine(statement=row["statement"], group=row["group"] if named else None)


def themes_by_period(rows: list[dict], *, period: str, time_zone: str) -> list[Period]:
    """Periods newest first; in each, its themes by name with their statements."""
    if period not in PERIODS:
        raise ValueError(f"Unknown period {period!r}")
    zone = zoneinfo.ZoneInfo(time_zone)
    cells: dict[datetime.date, dict[str, list[dict]]] = {}
    for row in rows:
        start = period_start(row["starts_at"], period, zone)
        cells.setdefault(start, {}).setdefault(row["theme"], []).append(row)
    periods = []
    for start in sorted(cells, reverse=True):
        found = []
        for theme in sorted(cells[start], key=str.casefold):
            theme_rows = cells[start][theme]
            people = set().union(*(row["present"] for row in theme_rows))
            lines = sorted(
                (line_for(row) for row in theme_rows),
                key=lambda line: (line.statement.casefold(), line.group or ""),
            )
            found.append(ThemeCell(theme, lines, disclosure.count(len(people))))
        periods.append(Period(start, period_label(start, period), found))
    return periods
