"""Issue 18 in the browser on the demo data, with axe on every page: the programme admin
imports the demo ESR file, reads the errors it shows, fixes them in the file, checks it
again, applies it (a real Celery worker), finds the new people by staff number, nudges
the people overdue supervision and exports the compliance list with staff numbers."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from kernel.models import StaffProfile
from nonprod import esr_demo
from notifications.models import Notification
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fixed(text: str) -> str:
    """The demo file with its five rows with errors put right, as an admin would in Excel."""
    rows = list(csv.reader(io.StringIO(text)))
    headings, body = rows[0], rows[1:]
    column = {heading: index for index, heading in enumerate(headings)}
    fixed = []
    for row in body:
        if row[column["Assignment Number"]].endswith("-2"):
            continue  # the second assignment: one row per person
        if not row[column["Work Email Address"]]:
            row[column["Work Email Address"]] = "new.starter@westfield.example"
        if row[column["Assignment Start Date"]] == "31/02/2026":
            row[column["Assignment Start Date"]] = "28/02/2026"
        if row[column["Line Manager's Employee Number"]] == "19999999":
            row[column["Line Manager's Employee Number"]] = "10000009"
        fixed.append(row)
    out = io.StringIO()
    csv.writer(out).writerows([headings, *fixed])
    return out.getvalue()


def _check_file(sam, path, whole=True):
    page = sam.page
    sam.go("/people/")
    sam.click("button", "Import staff from ESR")
    page.get_by_label("ESR file").set_input_files(str(path))
    if whole:
        page.get_by_label("This file is the whole organisation").check()
    sam.click("button", "Check the file")
    expect(page.locator("h1")).to_contain_text("ESR import")


def test_the_admin_imports_the_demo_esr_file(
    browser, live_server, demo, worker, check_accessibility, tmp_path
):
    sam = Person(browser, live_server, demo["Programme admin"], check_accessibility)
    page = sam.page

    # The demo file as ESR gave it: the rows to fix come first, named by row and column.
    _check_file(sam, esr_demo.PATH)
    expect(page.get_by_text("Rows with errors (5)")).to_be_visible()
    errors = page.get_by_role("table", name="Rows with errors")
    expect(errors).to_contain_text("Enter the work email: a new person needs one to sign in")
    expect(errors).to_contain_text("The start date must be a real date")
    expect(errors).to_contain_text("Nobody has employee number 19999999")
    expect(errors).to_contain_text("keep one row per person")
    sam.click("link", "Leavers (3)")
    expect(page.get_by_role("table", name="Leavers")).to_contain_text("End date 30 Jun 2026")

    # Fixed in the file and checked again: nothing left to fix.
    fixed = tmp_path / "westfield-esr-fixed.csv"
    fixed.write_text(_fixed(esr_demo.PATH.read_text(encoding="utf-8")), encoding="utf-8")
    _check_file(sam, fixed)
    expect(page.get_by_text("Rows with errors (0)")).to_be_visible()
    expect(page.get_by_text("New people (260)")).to_be_visible()  # shown first
    expect(page.get_by_role("table", name="New people")).to_contain_text("@westfield.example")
    sam.click("link", re.compile(r"^Changes \("))  # not "…errors and changes (CSV)"
    expect(page.get_by_role("table", name="Changes")).to_contain_text("Band 5 → Band 6")

    # Applied in the background; the page says how far it has got, then what it did.
    page.get_by_label("Email an invitation to each new person").check()
    sam.click("button", "Apply the changes")
    for _ in range(60):
        if page.get_by_role("heading", name="Applied").count():
            break
        page.wait_for_timeout(1000)
        sam.click("link", "Check progress")
    expect(page.get_by_role("heading", name="Applied")).to_be_visible()
    summary = page.locator(".nhsuk-summary-list").nth(1)
    expect(summary).to_contain_text("People added")
    expect(summary).to_contain_text("260")
    assert StaffProfile.objects.filter(employee_number__startswith="101").count() == 260

    # The staff number finds a new starter; their page shows it and their line manager.
    starter = StaffProfile.objects.select_related("user").get(employee_number="10100001")
    sam.go("/people/")
    page.get_by_label("Name, email or staff number").fill("10100001")
    sam.click("button", "Filter")
    sam.click("link", starter.user.get_full_name())
    expect(page.get_by_text("10100001")).to_be_visible()

    # Choosing a line manager: a search whose matches are told apart by staff number.
    sam.click("link", "Change line manager")
    page.get_by_label("Name, staff number or department").fill("Whitaker")
    sam.click("button", "Search")
    expect(page.get_by_role("table", name="People who match")).to_contain_text("10000009")
    sam.click("button", "Choose")
    expect(page.get_by_text("The line manager has been changed.")).to_be_visible()
    starter.refresh_from_db()
    assert starter.line_manager is not None
    assert starter.line_manager.employee_number == "10000009"

    # Compliance: filtered to the overdue, two of them nudged (once: a second nudge for the
    # same due date is refused and says so), then the list exported with staff numbers.
    sam.go("/reports/compliance/")
    page.get_by_label("Status against the standard").select_option("overdue")
    sam.click("button", "Apply filters")
    expect(page.locator("#compliance-period")).to_contain_text("NHS financial year")
    table = page.get_by_role("table", name="Supervision by person")
    expect(table).to_contain_text("Overdue")
    boxes = page.locator("input[name=people]")
    assert boxes.count() >= 2
    chosen = [boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")]
    before = Notification.objects.filter(recipient__profile__pk__in=chosen).count()
    boxes.nth(0).check()
    boxes.nth(1).check()
    sam.click("button", "Send a reminder to selected people")
    expect(page.get_by_text("Reminder sent to 2 people.")).to_be_visible()
    after = Notification.objects.filter(recipient__profile__pk__in=chosen).count()
    assert after == before + 2

    page.locator("input[name=people]").nth(0).check()
    sam.click("button", "Send a reminder to selected people")
    expect(page.get_by_text("already sent a reminder for this due date")).to_be_visible()
    assert Notification.objects.filter(recipient__profile__pk__in=chosen).count() == after

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    exported = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    headings = exported[0]
    assert "Staff number" in headings
    assert "Status" in headings
    status = headings.index("Status")
    assert exported[1:]
    assert all("Overdue" in row[status] for row in exported[1:])
