"""The report's filters read their organisations, departments and programmes through
queries built once (reports.permissions.report_choices_of): the same rows as the
querysets, for one organisation and for several, and nothing asked again by the form."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel.models import Role
from reports.forms import ReportFilterForm
from reports.permissions import report_choices, report_choices_of, report_organisations
from tests.factories import (
    DepartmentFactory,
    OrganisationFactory,
    ProgrammeFactory,
    RoleGrantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _lists(choices):
    return {name: list(rows) for name, rows in choices.items()}


@pytest.mark.parametrize("count", [0, 1, 2])
def test_the_choices_are_the_querysets_rows_for_any_number_of_organisations(count):
    organisations = [OrganisationFactory(name=name) for name in ("Bede", "Avon", "Cleft")]
    for organisation in organisations:
        for name in ("Ward 2", "Ward 1"):
            DepartmentFactory(organisation=organisation, name=f"{name} {organisation.name}")
        ProgrammeFactory(organisation=organisation, name=f"PNA {organisation.name}")
    lead = UserFactory()
    for organisation in organisations[:count]:
        RoleGrantFactory(user=lead, organisation=organisation, role=Role.WELLBEING_LEAD)
    # someone else's grant in the third: never in the lead's lists
    RoleGrantFactory(organisation=organisations[2], role=Role.WELLBEING_LEAD)

    expected = _lists(report_choices(report_organisations(lead)))
    found = report_choices_of(lead)
    assert _lists(found) == expected
    assert len(expected["organisations"]) == count
    assert len(expected["departments"]) == 2 * count
    if not count:
        return  # nobody without an organisation reaches the form (reports_required)
    with CaptureQueriesContext(connection) as queries:
        form = ReportFilterForm({}, **found)
        form.is_valid()
        str(form["department"]), str(form["programme"])
    assert len(queries) == 0
