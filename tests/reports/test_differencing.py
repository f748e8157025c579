"""A determined reader attacks the report by differencing, and learns no small count.

The attacker has only what a wellbeing lead has: every table of the report for
every single filter value and for overlapping month ranges. On a generated
organisation (four departments, one of them tiny, three bands and more, two
professions, three programmes, twelve months of history) they try:

- partition differencing: the whole organisation's figure minus the figures
  for every other department (or band, profession, programme) gives the one
  left out;
- overlapping-range differencing: a range ending in month m minus the same
  range ending a month earlier gives month m alone (and the same from the other
  end).

The true figures come from the same tables built with disclosure control
switched off (threshold 0, rounding base 1), so the attack is judged against
the real counts. Every small count (0 to 4) is a target; no true count from 1
to 4 may be recovered exactly, no count is ever hidden (so there is no hidden
zero to recover: a shown 0 may be 0, 1 or 2), and no count shows as 1 to 4.
"""

import datetime

import pytest

import disclosure
from reports.report import BUILDERS
from reports.report import engagement_report as full_report
from reports.scope import ReportScope, add_month
from supervision.models import Band, Profession, StaffProfile

from .small_org import build

pytestmark = pytest.mark.django_db

MONTHS = [(2025, 12), *[(2026, month) for month in range(1, 12)]]
FIRST, LAST = datetime.date(2025, 12, 1), datetime.date(2026, 11, 1)

# Four departments (D has three people), three bands and two professions.
PEOPLE = [
    *[("A", Band.BAND_5, Profession.NURSE)] * 6,
    *[("A", Band.BAND_6, Profession.NURSE)] * 3,
    *[("A", Band.BAND_7, Profession.AHP)] * 3,
    *[("B", Band.BAND_5, Profession.NURSE)] * 3,
    *[("B", Band.BAND_6, Profession.AHP)] * 3,
    *[("B", Band.BAND_7, Profession.NURSE)] * 2,
    *[("C", Band.BAND_5, Profession.AHP)] * 2,
    *[("C", Band.BAND_6, Profession.NURSE)] * 4,
    ("D", Band.BAND_5, Profession.NURSE),
    ("D", Band.BAND_7, Profession.NURSE),
    ("D", Band.BAND_6, Profession.AHP),
]


@pytest.fixture
def generated(organisation, frozen_now):
    return build(organisation, people=PEOPLE, months=MONTHS)


def _scope(organisation, first=FIRST, last=LAST, **filters) -> ReportScope:
    return ReportScope(organisation.pk, "Europe/London", first, last, **filters)


def _partitions(organisation, generated) -> dict[str, list]:
    """Every value of each filter, so that the parts cover the whole organisation."""
    profiles = StaffProfile.objects.filter(organisation=organisation)
    return {
        "department_id": sorted(set(profiles.values_list("department_id", flat=True))),
        "band": sorted(set(profiles.values_list("band", flat=True))),
        "profession": sorted(set(profiles.values_list("profession", flat=True))),
        "programme_id": [programme.pk for programme in generated["programmes"]],
    }


@pytest.fixture
def true_figures(monkeypatch):
    """Build reports with disclosure control off, for the attack's ground truth."""

    def build_true(scope):
        with monkeypatch.context() as patch:
            patch.setattr(disclosure, "MINIMUM_PEOPLE", 0)
            patch.setattr(disclosure, "ROUNDING_BASE", 1)
            return _cells(engagement_report(scope))

    return build_true


def engagement_report(scope):
    """Every table of the report (the headline figures repeat their totals)."""
    return full_report(scope, only=list(BUILDERS))


def _cells(report) -> dict:
    """{(table, row key, column): cell} for every figure of the report."""
    return {
        (slug, *position): item
        for slug, table in report.tables.items()
        for position, item in table.positions()
    }


def _shown(cells, key):
    """The figure a reader sees at `key`: a row missing from a table is a zero."""
    item = cells.get(key)
    if item is None:
        return 0
    return None if item.hidden else item.value


class Attack:
    def __init__(self):
        self.tried = 0
        self.recovered = []

    def judge(self, derived, truth_cell, what):
        """`derived` is the attacker's figure for a cell whose true figure is `truth_cell`."""
        truth = 0 if truth_cell is None else truth_cell.value
        if truth is None or not 0 <= truth <= 4:
            return  # not a small count: nothing to protect here
        self.tried += 1
        if derived == truth and truth > 0:
            self.recovered.append((what, truth))


def assert_counts_never_small_or_hidden(cells):
    for key, item in cells.items():
        if item.rounded:
            assert not item.hidden, key
            assert item.value % 5 == 0, (key, item.value)


def _attack_partition(attack, whole, parts, truths, label):
    for key, whole_cell in whole.items():
        if whole_cell.hidden or not whole_cell.rounded:
            continue  # only counts add up
        for value in parts:
            others = [_shown(other, key) for name, other in parts.items() if name != value]
            derived = whole_cell.value - sum(others)
            attack.judge(derived, truths[value].get(key), (label, value, key))


def test_partition_differencing_recovers_no_small_count(organisation, generated, true_figures):
    attack = Attack()
    ranges = [(FIRST, LAST), (LAST, LAST), (FIRST, FIRST), (datetime.date(2026, 6, 1), LAST)]
    for first, last in ranges:
        whole = _cells(engagement_report(_scope(organisation, first, last)))
        assert_counts_never_small_or_hidden(whole)
        for dimension, values in _partitions(organisation, generated).items():
            parts, truths = {}, {}
            for value in values:
                scope = _scope(organisation, first, last, **{dimension: value})
                parts[value] = _cells(engagement_report(scope))
                assert_counts_never_small_or_hidden(parts[value])
                truths[value] = true_figures(scope)
            _attack_partition(attack, whole, parts, truths, (dimension, first, last))
    assert attack.tried > 200, attack.tried  # the attack had plenty to work with
    assert attack.recovered == []


def test_overlapping_ranges_recover_no_small_count(organisation, generated, true_figures):
    attack = Attack()
    months = [add_month(FIRST, index) for index in range(12)]
    filters = [{}, *[{"department_id": d} for d in generated["wards"].values()]]
    for where in filters:
        where = {name: getattr(value, "pk", value) for name, value in where.items()}
        longer = {
            m: _cells(engagement_report(_scope(organisation, FIRST, m, **where))) for m in months
        }
        later = {
            m: _cells(engagement_report(_scope(organisation, m, LAST, **where))) for m in months
        }
        for index, month in enumerate(months):
            single_scope = _scope(organisation, month, month, **where)
            truth = true_figures(single_scope)
            pairs = []
            if index:
                pairs.append((longer[month], longer[months[index - 1]]))
            if index < len(months) - 1:
                pairs.append((later[month], later[months[index + 1]]))
            for bigger, smaller in pairs:
                for key, big in bigger.items():
                    if big.hidden or not big.rounded or key[1] in months:
                        continue  # only counts add up; a month row is the same in both
                    small = _shown(smaller, key)
                    attack.judge(big.value - small, truth.get(key), (where, month, key))
    assert attack.tried > 100, attack.tried
    assert attack.recovered == []


def test_same_figure_same_value_whichever_query_produced_it(organisation, generated):
    """The same records give the same figure, however the reader asked for them."""
    whole = _cells(engagement_report(_scope(organisation)))
    group_programme = generated["programmes"][2]
    groups_only = _cells(engagement_report(_scope(organisation, programme_id=group_programme.pk)))
    group_keys = [key for key in whole if key[0] == "group-attendance"]
    assert group_keys
    assert [_value(whole[k]) for k in group_keys] == [_value(groups_only[k]) for k in group_keys]
    december = _cells(engagement_report(_scope(organisation, FIRST, FIRST)))
    month_keys = [key for key in whole if key[1] == FIRST]
    assert month_keys
    assert [_value(whole[k]) for k in month_keys] == [_value(december[k]) for k in month_keys]


def _value(item):
    return (item.hidden, item.reason, item.value)
