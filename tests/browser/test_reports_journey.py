"""Issue 7: the wellbeing lead reads the engagement report in a browser.

On the demo data and a year of generated history: she opens the report,
filters it, reads the SPC charts and tables, and downloads a CSV. Every page
is checked with axe-core; nothing shown is built from fewer than 5 people.
"""

import csv
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(demo):
    call_command("generate_history", force=True, verbosity=0)
    return demo


def test_lead_filters_the_report_reads_the_charts_and_downloads_csv(
    browser, live_server, history, check_accessibility, csp_violations
):
    lead = Person(browser, live_server, history["Wellbeing lead"], check_accessibility)
    lead.click("link", "Reports")
    page = lead.page
    expect(page.locator("h1")).to_have_text("Engagement report")

    # Two SPC charts, each an image with a text alternative and its figures in a table
    charts = page.locator("svg[role=img]")
    expect(charts).to_have_count(2)
    for index in range(2):
        labelled_by = charts.nth(index).get_attribute("aria-labelledby").split()
        for element_id in labelled_by:
            expect(page.locator(f"[id='{element_id}']")).not_to_be_empty()
    expect(
        page.get_by_role("table", name="Coverage by month (% of eligible staff)")
    ).to_be_visible()
    coverage = page.get_by_role("table", name="Coverage by programme")
    expect(coverage).to_contain_text("Band 7 and 8 one-to-one supervision")

    # Filter to one department: the figures shrink, the page says which filters
    # produced them, and averages about fewer than 5 people say so
    department = page.get_by_label("Department")
    department.select_option(index=1)
    chosen = department.locator("option:checked").inner_text()
    page.get_by_label("Band").select_option("7")
    page.get_by_role("button", name="Apply filters").click()
    lead.check(page)
    expect(page.get_by_label("Department").locator("option:checked")).to_have_text(chosen)
    expect(page.locator(".app-report-caption")).to_contain_text(
        f"Department: {chosen}; Band: Band 7"
    )
    expect(page.locator(".app-suppressed").first).to_contain_text("fewer than 5")

    # The one-page summary: headline figures against the previous period, with
    # Making Data Count's icons, and the departments
    lead.click("link", "One-page summary for a board")
    expect(page.locator("h1")).to_have_text("Engagement summary")
    expect(page.locator(".app-report-caption")).to_contain_text(f"Department: {chosen}")
    expect(page.locator("[data-headline]")).to_have_count(4)
    expect(page.get_by_text("Variation:").first).to_be_visible()
    expect(page.get_by_role("table", name="Coverage by department")).to_be_visible()

    # Back to everyone, and download the activity table
    lead.click("link", "The full engagement report")
    page.get_by_label("Department").select_option(index=0)
    page.get_by_label("Band").select_option("")
    page.get_by_role("button", name="Apply filters").click()
    lead.check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download “One-to-one sessions by month” as CSV").click()
    assert download.value.suggested_filename.startswith("activity_")
    raw = download.value.path().read_bytes()
    assert raw.startswith("\ufeff".encode())  # Excel opens it as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Engagement report", "One-to-one sessions by month"]
    assert rows[3] == ["Filters", "All staff and programmes (no filters)"]
    table = rows[rows.index([]) + 1 :]
    assert table[0][0] == "Month"
    assert table[-1][0] == "Total"
    assert len(table) == 14  # header, 12 months, total
    assert all(int(value) % 5 == 0 for row in table[1:] for value in row[1:])

    # Printed: no site chrome or filters, the headline figures first, a few pages
    page.emulate_media(media="print")
    expect(page.locator("form.app-filter-form")).to_be_hidden()
    expect(page.locator(".nhsuk-header")).to_be_hidden()
    expect(page.locator("[data-headline]").first).to_be_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    assert csp_violations == []
