"""A report a board can use: the method, honest labels, the period, captions, summary, email."""

import csv
import datetime
import io

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

import disclosure
from kernel.models import Band, Organisation
from reports.forms import ReportFilterForm
from reports.permissions import report_choices
from reports.report import engagement_report
from reports.scope import ReportScope
from tests.outbox import deliver_due

from .small_org import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(organisation, frozen_now):
    return build(organisation)


# --- the method -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("true", "shown"),
    [(0, 0), (1, 0), (2, 0), (3, 5), (4, 5), (7, 5), (8, 10), (12, 10), (13, 15), (122, 120)],
)
def test_every_count_is_rounded_to_the_nearest_5_small_ones_included(true, shown):
    cell = disclosure.count(true)
    assert (cell.value, cell.hidden, cell.rounded) == (shown, False, True)


def test_any_sum_or_difference_of_shown_counts_is_never_a_small_count():
    cells = [disclosure.count(n) for n in range(0, 60)]
    shown = [cell.value for cell in cells if cell.value is not None]
    assert len(shown) == len(cells)  # every count has a value
    for a in shown:
        for b in shown:
            assert (a - b) % 5 == 0
            assert (a + b) % 5 == 0
            assert abs(a - b) not in (1, 2, 3, 4)


def test_the_same_count_gets_the_same_value_whichever_query_asks():
    assert {disclosure.count(23, 9).value for _ in range(20)} == {25}


def test_averages_and_percentages_need_five_people_and_say_so():
    assert disclosure.mean(4.25, 4).hidden
    assert str(disclosure.mean(4.25, 4).shown) == "fewer than 5"
    assert disclosure.mean(4.25, 5).value == 4.2  # Python rounds half to even
    attended, due = disclosure.count(48, 20), disclosure.count(52, 20)
    # from the rounded counts (50 of 50), not the true ones (92%)
    assert disclosure.percent(attended, due).value == 100
    assert disclosure.percent(disclosure.count(3, 3), disclosure.count(4, 4)).hidden
    assert disclosure.percent(disclosure.count(0, 0), disclosure.count(2, 6)).value is None


def test_a_table_footnotes_the_rounding_and_what_fewer_than_5_means(small, organisation):
    report = engagement_report(_scope(organisation))
    activity = report.tables["activity"]
    assert str(disclosure.ROUNDING_NOTE) in activity.footnotes
    means = report.tables["feedback-monthly"]
    assert any(item.hidden for item in means.cells())
    assert str(disclosure.SMALL_NOTE) in means.footnotes


def _scope(organisation, **filters):
    return ReportScope(
        organisation.pk,
        "Europe/London",
        filters.pop("first_month", datetime.date(2026, 9, 1)),
        filters.pop("last_month", datetime.date(2026, 10, 1)),
        **filters,
    )


# --- the period ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "first", "last"),
    [
        # the last day of November (GMT) and the first of December
        ("2026-11-30T23:30:00Z", "2025-11", "2026-10"),
        ("2026-12-01T00:30:00Z", "2025-12", "2026-11"),
        # 23:30 UTC on 31 March 2026 is already 1 April in London (BST)
        ("2026-03-31T22:30:00Z", "2025-03", "2026-02"),
        ("2026-03-31T23:30:00Z", "2025-04", "2026-03"),
    ],
)
def test_the_default_period_is_the_last_12_complete_months(organisation, now, first, last):
    with time_machine.travel(now, tick=False):
        form = ReportFilterForm({}, **report_choices(Organisation.objects.all()))
        assert form.is_valid(), form.errors
        scope = form.scope()
    assert f"{scope.first_month:%Y-%m}" == first
    assert f"{scope.last_month:%Y-%m}" == last
    assert len(scope.months) == 12


def test_a_month_under_way_is_marked_incomplete_and_never_special_cause(small, organisation):
    # frozen on 23 November 2026: November is not over
    report = engagement_report(_scope(organisation, last_month=datetime.date(2026, 11, 1)))
    labels = [row.label for row in report.tables["attendance-rate"].rows]
    assert labels[-1] == "Nov 2026 (incomplete)"
    chart = report.charts["attendance"]
    assert chart.result.points[-1].value is None
    assert chart.result.points[-1].special_cause == ""
    assert chart.spc_table.rows[-1].value == "Month not over yet"


# --- what produced it: page, print, CSV ---------------------------------------------


def test_every_output_says_which_filters_produced_it(client, small, organisation, wellbeing_lead):
    client.force_login(wellbeing_lead)
    ward = small["wards"]["A"]
    query = {"department": ward.pk, "band": Band.BAND_5, "first_month": "2026-09"}
    page = client.get(reverse("reports:engagement"), query).content.decode()
    words = "Department: Ward A; Band: Band 5"
    assert words in page
    assert "September 2026 to October 2026" in page
    # the printed pages' running header carries the same words
    assert '@top-left { content: "Westfield Hospitals NHS Trust, September 2026' in page
    assert '@bottom-left { content: "Generated' in page
    css = (settings.BASE_DIR / "static" / "css" / "print-report.css").read_text()
    assert 'counter(page) " of " counter(pages)' in css
    summary = client.get(reverse("reports:summary"), query).content.decode()
    assert words in summary
    response = client.get(reverse("reports:export", args=["activity"]), query)
    assert response.content.startswith("\ufeff".encode())
    disposition = response["Content-Disposition"]
    assert "activity_2026-09-to-2026-10_department-ward-a_band-band-5.csv" in disposition
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    preamble = {row[0]: row[1] for row in rows[:6] if row}
    assert preamble["Organisation"] == "Westfield Hospitals NHS Trust"
    assert preamble["Period"] == "September 2026 to October 2026"
    assert preamble["Filters"] == words
    assert "Generated" in preamble
    assert ["Month", *[label for label in rows[rows.index([]) + 1][1:]]][0] == "Month"


def test_unfiltered_output_says_so(client, small, wellbeing_lead):
    client.force_login(wellbeing_lead)
    page = client.get(reverse("reports:engagement"), {"first_month": "2026-09"})
    assert "All staff and programmes (no filters)" in page.content.decode()


# --- the one-page summary -------------------------------------------------------------


def test_the_summary_has_headlines_icons_comparison_and_departments(client, small, wellbeing_lead):
    client.force_login(wellbeing_lead)
    response = client.get(
        reverse("reports:summary"), {"first_month": "2026-09", "last_month": "2026-10"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Coverage", "Sessions attended", "Attendance rate", "Mean feedback rating"):
        assert label in html
    assert "Variation:" in html
    assert "July 2026 to August 2026" in html  # the period it is compared with
    assert "Coverage by department" in html
    assert "Ward A" in html
    assert "Ward B" in html


def test_headlines_are_the_tables_own_protected_figures(small, organisation):
    report = engagement_report(_scope(organisation))
    figures = {item.key: item for item in report.headlines}
    totals = report.tables["attendance-rate"].totals
    assert totals is not None
    attendance = totals.cells
    assert figures["attended"].cell is attendance[0]
    assert figures["attendance"].cell is attendance[2]
    assert figures["attended"].cell.value % 5 == 0
    assert figures["attendance"].previous.value is None  # nothing before September
    assert figures["attended"].change == "No sessions were recorded in the previous period."
    later = engagement_report(
        _scope(
            organisation,
            first_month=datetime.date(2026, 10, 1),
            last_month=datetime.date(2026, 10, 1),
        )
    )
    attended = {item.key: item for item in later.headlines}["attended"]
    september = engagement_report(_scope(organisation, last_month=datetime.date(2026, 9, 1)))
    september_totals = september.tables["attendance-rate"].totals
    assert september_totals is not None
    before = september_totals.cells[0].value
    assert attended.previous.value == before
    assert f"from {before}" in attended.change or "The same" in attended.change


@pytest.mark.parametrize("role", ["supervisee", "supervisor", "facilitator"])
def test_only_report_roles_see_the_summary(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("reports:summary")).status_code == 403


# --- the monthly email ------------------------------------------------------------------


def test_the_monthly_email_carries_the_protected_headline_figures(
    small, organisation, wellbeing_lead
):
    from supervision.notifications import schedule_wellbeing_digests

    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 5, tzinfo=datetime.UTC)):
        schedule_wellbeing_digests(datetime.date(2026, 12, 1))
        deliver_due()
        report = engagement_report(
            _scope(
                organisation,
                first_month=datetime.date(2025, 12, 1),
                last_month=datetime.date(2026, 11, 1),
            )
        )
    (message,) = mail.outbox
    figures = {item.key: item for item in report.headlines}
    assert f"Sessions attended: {figures['attended'].text}." in message.body
    assert f"Coverage: {figures['coverage'].text}." in message.body
    assert "December 2025 to November 2026" in message.body
    assert "still being counted" not in message.body  # nothing waits to be counted
    assert f"/reports/summary/?organisation={organisation.pk}" in message.body
    for profile in small["staff"]:
        assert profile.user.email not in message.body
