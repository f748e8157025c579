"""Attack the report by differencing, as a determined reader would, and count what leaks.

Used by `manage.py check_disclosure` (an information-governance officer runs it
against the organisation's own data) and by tests/reports/test_differencing.py.
The reader has only what a wellbeing lead has: every table of the report for
every single filter value and for overlapping month ranges. Two attacks:

- partition differencing: the whole organisation's figure minus the figures
  for every other department (band, profession, programme) is the one left out;
- overlapping ranges: a range ending in month m minus the same range ending a
  month earlier is month m alone (and the same from the other end).

Each derived figure is judged against the true one, computed by building the
same tables with disclosure control switched off. That happens only inside
`true_figures`, in the process running the check, never in a web process.
"""

import contextlib
import dataclasses
from dataclasses import dataclass, field

import disclosure
from supervision.allowances import add_months

from .report import BUILDERS, engagement_report
from .scope import ReportScope


def report_cells(scope: ReportScope) -> dict:
    """{(table, row key, column): cell} for every figure of every table."""
    report = engagement_report(scope, only=list(BUILDERS))
    return {
        (slug, *position): item
        for slug, table in report.tables.items()
        for position, item in table.positions()
    }


@contextlib.contextmanager
def _switched_off():
    """Disclosure control off (threshold 0, base 1), for the truth only. Not thread-safe:
    for a management command or a test, never a web request."""
    saved = disclosure.MINIMUM_PEOPLE, disclosure.ROUNDING_BASE
    disclosure.MINIMUM_PEOPLE, disclosure.ROUNDING_BASE = 0, 1
    try:
        yield
    finally:
        disclosure.MINIMUM_PEOPLE, disclosure.ROUNDING_BASE = saved


def true_figures(scope: ReportScope) -> dict:
    with _switched_off():
        return report_cells(scope)


def _shown(cells: dict, key):
    """What a reader sees at `key` (a row missing from a table is a zero), None if hidden."""
    item = cells.get(key)
    if item is None:
        return 0
    return None if item.hidden else item.value


@dataclass
class Findings:
    tried: int = 0  # derivations of a true count from 0 to 4
    recovered: list = field(default_factory=list)  # (what, true count) worked out exactly
    hidden_counts: list = field(default_factory=list)  # counts hidden (so a zero could hide)
    small_shown: list = field(default_factory=list)  # counts shown as 1 to 4

    def judge(self, derived, truth_cell, what) -> None:
        truth = 0 if truth_cell is None else truth_cell.value
        if truth is None or not 0 <= truth <= 4:
            return
        self.tried += 1
        if derived == truth and truth > 0:
            self.recovered.append((what, truth))

    def look_at(self, cells: dict) -> None:
        for key, item in cells.items():
            if not item.rounded:
                continue
            if item.hidden:
                self.hidden_counts.append(key)
            elif item.value is not None and 0 < item.value < disclosure.MINIMUM_PEOPLE:
                self.small_shown.append(key)

    @property
    def safe(self) -> bool:
        return not (self.recovered or self.hidden_counts or self.small_shown)


def partition_attack(findings: Findings, scope: ReportScope, partitions: dict) -> None:
    """Whole minus every other part, for each filter and each of its values."""
    whole = report_cells(scope)
    findings.look_at(whole)
    for dimension, values in partitions.items():
        parts, truths = {}, {}
        for value in values:
            part_scope = dataclasses.replace(scope, **{dimension: value})
            parts[value] = report_cells(part_scope)
            findings.look_at(parts[value])
            truths[value] = true_figures(part_scope)
        for key, whole_cell in whole.items():
            if whole_cell.hidden or not whole_cell.rounded:
                continue  # only counts add up
            for value in values:
                others = [_shown(parts[other], key) for other in values if other != value]
                if any(figure is None for figure in others):
                    continue
                derived = whole_cell.value - sum(others)
                findings.judge(derived, truths[value].get(key), (dimension, value, key))


def range_attack(findings: Findings, scope: ReportScope) -> None:
    """Each month as the difference of two overlapping ranges, from both ends."""
    months = scope.months
    first, last = months[0], months[-1]

    def cells(a, b):
        return report_cells(dataclasses.replace(scope, first_month=a, last_month=b))

    longer = {month: cells(first, month) for month in months}
    later = {month: cells(month, last) for month in months}
    for index, month in enumerate(months):
        single = dataclasses.replace(scope, first_month=month, last_month=month)
        truth = true_figures(single)
        pairs = []
        if index:
            pairs.append((longer[month], longer[add_months(month, -1)]))
        if index < len(months) - 1:
            pairs.append((later[month], later[add_months(month, 1)]))
        for bigger, smaller in pairs:
            findings.look_at(bigger)
            for key, big in bigger.items():
                if big.hidden or not big.rounded or key[1] in months:
                    continue  # only counts add up; a month row is the same in both
                small = _shown(smaller, key)
                if small is None:
                    continue
                findings.judge(big.value - small, truth.get(key), (month, key))
