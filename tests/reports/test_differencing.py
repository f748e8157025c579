"""A determined reader attacks the report by differencing, and learns no small count.

On a generated organisation (four departments, one of three people; bands 5,
6, 7 and the supervisors' 8a; two professions; three programmes; twelve
months of history) the attacks of `reports.differencing` — whole minus every
other part for each filter, and each month as the difference of two
overlapping ranges — are judged against the true figures. No true count from
1 to 4 may be recovered exactly, no count is ever hidden (so there is no
hidden zero to recover: a shown 0 may be 0, 1 or 2), and no count shows as 1
to 4. The same attacks, run through `manage.py check_disclosure`, pass on the
demo data too.
"""

import datetime

import pytest
from django.core.management import call_command

import disclosure
from kernel.models import Band, Profession, StaffProfile
from reports import differencing
from reports.differencing import Findings, partition_attack, range_attack, report_cells
from reports.scope import ReportScope
from supervision.models import Session

from .small_org import build

pytestmark = pytest.mark.django_db

MONTHS = [(2025, 12), *[(2026, month) for month in range(1, 12)]]
FIRST, LAST = datetime.date(2025, 12, 1), datetime.date(2026, 11, 1)

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


def test_partition_differencing_recovers_no_small_count(organisation, generated):
    findings = Findings()
    partitions = _partitions(organisation, generated)
    assert len(partitions["department_id"]) == 4
    assert len(partitions["band"]) >= 3
    for first, last in [
        (FIRST, LAST),
        (LAST, LAST),
        (FIRST, FIRST),
        (datetime.date(2026, 6, 1), LAST),
    ]:
        partition_attack(findings, _scope(organisation, first, last), partitions)
    assert findings.tried > 1000, findings.tried  # the attack had plenty to work with
    assert findings.recovered == []
    assert findings.hidden_counts == []
    assert findings.small_shown == []


def test_overlapping_ranges_recover_no_small_count(organisation, generated):
    findings = Findings()
    range_attack(findings, _scope(organisation))
    for ward in generated["wards"].values():
        range_attack(findings, _scope(organisation, department_id=ward.pk))
    assert findings.tried > 1000, findings.tried
    assert findings.recovered == []
    assert findings.hidden_counts == []


def test_the_attack_finds_what_plain_suppression_would_leak(organisation, generated, monkeypatch):
    """The attack is real: with counts shown exactly above the threshold and small
    ones hidden (the method before), the same attack recovers small counts."""

    def suppressed(n, people=None):
        n = int(n or 0)
        people = n if people is None else int(people or 0)
        if 0 < people < disclosure.MINIMUM_PEOPLE:
            return disclosure.Cell(None, people, hidden=True, reason=disclosure.SMALL, rounded=True)
        return disclosure.Cell(n, people, rounded=True)

    monkeypatch.setattr(disclosure, "count", suppressed)
    findings = Findings()
    partition_attack(findings, _scope(organisation), _partitions(organisation, generated))
    assert findings.recovered


def test_same_figure_same_value_whichever_query_produced_it(organisation, generated):
    """The same records give the same figure, however the reader asked for them."""
    whole = report_cells(_scope(organisation))
    group_programme = generated["programmes"][2]
    groups_only = report_cells(_scope(organisation, programme_id=group_programme.pk))
    group_keys = [key for key in whole if key[0] == "group-attendance"]
    assert group_keys
    assert [_value(whole[k]) for k in group_keys] == [_value(groups_only[k]) for k in group_keys]
    december = report_cells(_scope(organisation, FIRST, FIRST))
    month_keys = [key for key in whole if key[1] == FIRST]
    assert month_keys
    assert [_value(whole[k]) for k in month_keys] == [_value(december[k]) for k in month_keys]


def test_true_figures_are_the_real_counts_and_switch_back(organisation, generated):
    scope = _scope(organisation)
    truth = differencing.true_figures(scope)
    attended = ("activity", "__total__", 0)

    assert truth[attended].value == Session.objects.filter(status="attended").count()
    assert disclosure.ROUNDING_BASE == 5
    assert disclosure.MINIMUM_PEOPLE == 5
    assert report_cells(scope)[attended].value % 5 == 0


def test_the_check_command_passes_on_the_generated_organisation(organisation, generated):
    from io import StringIO

    out = StringIO()
    call_command("check_disclosure", organisation=organisation.slug, months=3, stdout=out)
    assert "0 recovered exactly; 0 counts hidden, 0 shown as 1 to 4" in out.getvalue()


def _value(item):
    return (item.hidden, item.reason, item.value)
