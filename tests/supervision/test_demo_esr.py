"""The demo ESR file fits the demo's Westfield staff: importing it as the whole
organisation finds exactly the new starters, moves, leavers and errors it was made with."""

import pytest
from django.contrib.auth import get_user_model

from kernel.models import Organisation, StaffProfile
from nonprod import esr_demo
from nonprod.demo import load_demo_data
from supervision.services.staff_import import (
    staff_import_apply,
    staff_import_check,
    staff_import_run,
)

pytestmark = pytest.mark.django_db


def test_the_shipped_file_is_the_generated_one():
    """Change the demo's people, then run `manage.py demo_esr_file` to regenerate it."""
    assert esr_demo.PATH.read_bytes() == esr_demo.demo_esr_text().encode()


def test_the_demo_file_against_the_demo_staff():
    load_demo_data()
    westfield = Organisation.objects.get(slug="westfield")
    sam = get_user_model().objects.get(email="sam.whitaker@westfield.example")
    staff = StaffProfile.objects.filter(organisation=westfield).count()
    checked = staff_import_check(
        actor=sam,
        organisation=westfield,
        file_name="westfield-esr.csv",
        raw=esr_demo.PATH.read_bytes(),
        whole_organisation=True,
    )
    plan = checked.plan
    counts = plan["counts"]
    assert plan["file_problem"] == ""
    assert counts["rows_with_problems"] == esr_demo.ERROR_ROWS
    assert {p["column"] for p in plan["problems"]} == {
        "Employee Number",
        "Work Email Address",
        "Assignment Start Date",
        "Line Manager's Employee Number",
    }
    assert counts["new"] == esr_demo.NEW_STARTERS - 3
    assert counts["leavers"] == esr_demo.LEAVERS  # nobody else: everyone is in the file
    assert plan["new_departments"] == [esr_demo.NEW_DEPARTMENT]
    # Everyone else on the staff gains their number; the planned ones change more.
    assert counts["changed"] == staff - esr_demo.LEAVERS - 1  # the duplicated person waits
    richer = [c for c in plan["changed"] if len(c["changes"]) > 1]
    assert len(richer) == esr_demo.PROMOTED + esr_demo.MOVED

    staff_import_apply(actor=sam, staff_import=checked, invite_new=False)
    staff_import_run(staff_import_id=checked.pk)
    checked.refresh_from_db()
    assert checked.result["added"] == esr_demo.NEW_STARTERS - 3
    assert checked.result["deactivated"] == esr_demo.LEAVERS
    sam.profile.refresh_from_db()
    assert sam.profile.employee_number == "10000009"
    # New starters report to managers who gained their numbers in the same file.
    starters = StaffProfile.objects.filter(
        organisation=westfield, employee_number__startswith="101"
    )
    assert starters.count() == esr_demo.NEW_STARTERS - 3
    assert not starters.filter(line_manager__isnull=True).exists()
