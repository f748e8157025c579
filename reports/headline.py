"""The figures a board looks at first, each against the period before.

Built from the report's own protected tables (never from raw counts), so a
headline figure is exactly the figure the tables show, and a comparison is
the difference of two protected figures.
"""

import dataclasses
import datetime
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from disclosure import Cell
from supervision.allowances import add_months

from .scope import ReportScope
from .spc import SpcResult

# (key, label, table builder, column of its whole-period row, unit, SPC chart or None)
HEADLINES = (
    ("coverage", "Coverage", "coverage_by_month", 1, "%", "coverage"),
    ("attended", "Sessions attended", "attendance_rate", 0, "", None),
    ("attendance", "Attendance rate", "attendance_rate", 2, "%", "attendance"),
    ("feedback", "Mean feedback rating (1 to 5)", "feedback_means", 0, "", None),
)
BUILDERS = tuple(sorted({builder for _, _, builder, *_ in HEADLINES}))


def previous_scope(scope: ReportScope) -> ReportScope:
    """The same number of whole months immediately before the scope's."""
    months = len(scope.months)
    return dataclasses.replace(
        scope,
        first_month=add_months(scope.first_month, -months),
        last_month=add_months(scope.first_month, -1),
    )


def period_words(first: datetime.date, last: datetime.date) -> str:
    return _("%(first)s to %(last)s") % {
        "first": formats.date_format(first, "F Y"),
        "last": formats.date_format(last, "F Y"),
    }


def _number(value, unit: str) -> str:
    text = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
    return f"{text}{unit}"


@dataclass
class Headline:
    key: str
    label: str
    cell: Cell
    previous: Cell
    unit: str
    spc: SpcResult | None = None
    previous_empty: bool = False  # no session was due in the previous period

    @property
    def text(self) -> str:
        if self.cell.hidden:
            return str(self.cell.shown)
        if self.cell.value is None:
            return _("No data")
        return _number(self.cell.value, self.unit)

    @property
    def change(self) -> str:
        """The change from the previous period in words, from the figures as shown."""
        if self.previous_empty:
            return _("No sessions were recorded in the previous period.")
        if self.previous.hidden:
            return _("The previous period's figure is hidden (%(why)s).") % {
                "why": self.previous.shown
            }
        if self.previous.value is None:
            return _("No figure for the previous period.")
        before = _number(self.previous.value, self.unit)
        if self.cell.hidden or self.cell.value is None:
            return _("Previous period: %(before)s.") % {"before": before}
        difference = self.cell.value - self.previous.value
        if isinstance(difference, float):
            difference = round(difference, 1)
        points = _(" points") if self.unit == "%" else ""
        if difference > 0:
            return _("Up %(by)s%(points)s from %(before)s.") % {
                "by": _number(difference, ""),
                "points": points,
                "before": before,
            }
        if difference < 0:
            return _("Down %(by)s%(points)s from %(before)s.") % {
                "by": _number(-difference, ""),
                "points": points,
                "before": before,
            }
        return _("The same as the previous period (%(before)s).") % {"before": before}


def _whole_period(tables: dict, builder: str, column: int) -> Cell:
    table = tables.get(builder)
    if table is None or table.totals is None:
        return Cell(None, 0)
    return table.totals.cells[column]


def headlines(tables: dict, previous: dict, charts: dict) -> list[Headline]:
    """The headline figures from this period's and the previous period's tables."""
    due = _whole_period(previous, "attendance_rate", 1)
    empty = (
        not due.hidden
        and not due.value
        and not _whole_period(previous, "coverage_by_month", 0).value
    )
    result = []
    for key, label, builder, column, unit, chart in HEADLINES:
        result.append(
            Headline(
                key,
                _(label),
                _whole_period(tables, builder, column),
                _whole_period(previous, builder, column),
                unit,
                charts[chart].result if chart and chart in charts else None,
                previous_empty=empty,
            )
        )
    return result
