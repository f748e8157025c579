"""The demo shows supervision standards at work (issue 18): overdue and due-soon nurses."""

import io

import pytest
from django.core.management import call_command

from kernel.models import StaffProfile
from supervision.standards import DUE_SOON, OVERDUE, standings

pytestmark = pytest.mark.django_db


def test_the_demo_has_overdue_and_due_soon_nurses_to_nudge():
    call_command("demo_data", force=True, stdout=io.StringIO())
    westfield = StaffProfile.objects.filter(organisation__slug="westfield")
    found = standings(westfield)
    statuses = [standing.status for standing in found.values()]
    assert statuses.count(OVERDUE) >= 3
    assert statuses.count(DUE_SOON) >= 1
    # Loading it again changes nothing.
    call_command("demo_data", force=True, stdout=io.StringIO())
    assert standings(westfield) == found
