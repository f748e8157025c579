"""The engagement report: figures counted right, nothing from fewer than 5 people."""

import csv
import datetime
import io
import itertools

import pytest
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEntry
from disclosure import MINIMUM_PEOPLE, round_count
from feedback.reporting import checkins as checkins_in
from kernel.models import Band, Profession, StaffProfile
from reports.models import CoverageTarget
from reports.report import SLUGS, caught_up, engagement_report
from reports.scope import ReportScope
from supervision.models import Session

from .small_org import build

pytestmark = pytest.mark.django_db

SEPTEMBER, NOVEMBER = datetime.date(2026, 9, 1), datetime.date(2026, 11, 1)


@pytest.fixture
def small(organisation, frozen_now):
    return build(organisation)


def scope_for(organisation, **filters) -> ReportScope:
    return ReportScope(
        organisation_id=organisation.pk,
        time_zone="Europe/London",
        first_month=filters.pop("first_month", SEPTEMBER),
        last_month=filters.pop("last_month", NOVEMBER),
        **filters,
    )


# --- the report on a small organisation -----------------------------------------


def _is_people_figure(table, column_index):
    return table.columns[column_index][0] not in ("target", "places")


def assert_nothing_small_shown(report):
    """Every count is a multiple of 5; every other figure shown is from 5 people or more."""
    for table in report.tables.values():
        for (row_key, column), item in table.positions():
            if item.rounded:
                assert not item.hidden, (table.slug, row_key, column)
                assert item.value % 5 == 0, (table.slug, row_key, column)
                continue
            if item.hidden or (isinstance(column, int) and not _is_people_figure(table, column)):
                continue
            elif item.value is not None:
                assert item.people >= MINIMUM_PEOPLE, (table.slug, row_key, column, item)
    for chart in report.charts.values():
        for point, row in zip(chart.result.points, chart.table.rows, strict=True):
            figure = row.cells[-1]
            gap = figure.hidden or figure.value is None or row.label.endswith("(incomplete)")
            assert (point.value is None) == gap, chart.title


def _filter_values(small):
    wards = [None, *[ward.pk for ward in small["wards"].values()]]
    bands = ["", Band.BAND_5, Band.BAND_7]
    professions = ["", Profession.AHP]
    one, _, group = small["programmes"]
    programmes = [None, one.pk, group.pk]
    return wards, bands, professions, programmes


def test_disclosure_control_holds_for_every_filter_combination(small, organisation):
    """Every combination of filters on a small organisation: nothing under 5 shows."""
    wards, bands, professions, programmes = _filter_values(small)
    ranges = [(SEPTEMBER, NOVEMBER), (NOVEMBER, NOVEMBER)]
    checked = 0
    for ward, band, profession, programme, (first, last) in itertools.product(
        wards, bands, professions, programmes, ranges
    ):
        if (first, last) != ranges[0] and (band or profession):
            continue  # the one-month range with the ward and programme filters only
        report = engagement_report(
            scope_for(
                organisation,
                department_id=ward,
                band=band,
                profession=profession,
                programme_id=programme,
                first_month=first,
                last_month=last,
            )
        )
        assert_nothing_small_shown(report)
        checked += 1
    assert checked == 3 * 3 * 2 * 3 + 3 * 3


def test_figures_are_counted_right(small, organisation):
    report = engagement_report(scope_for(organisation))
    activity = report.tables["activity"]
    attended = [key for key, _ in activity.columns].index("attended")
    assert activity.totals is not None
    total = activity.totals.cells[attended]
    expected = Session.objects.filter(status="attended").count()
    assert expected % 5  # so that the rounding shows
    assert total.value == round_count(expected)
    assert (
        total.people
        == Session.objects.filter(status="attended").values("supervisee").distinct().count()
    )
    coverage = report.tables["coverage"]
    one = next(row for row in coverage.rows if row.label == "One-to-one")
    eligible = one.cells[0]
    assert eligible.value == round_count(len(small["staff"]) + len(small["supervisors"]))
    wellbeing = report.tables["wellbeing"]
    checked_in = wellbeing.rows[0].total
    assert checked_in is not None
    assert checked_in.value == round_count(32) == 30
    # each feeling's cell: the check-ins with it and the people who gave it
    checkins = checkins_in(scope_for(organisation))
    for index, (feeling, _) in enumerate(wellbeing.columns):
        mine = checkins.filter(feeling=feeling)
        assert wellbeing.rows[0].cells[index].value == round_count(mine.count())
        assert wellbeing.rows[0].cells[index].people == mine.values("author").distinct().count()


def test_months_follow_london_time_across_the_clock_change(small, organisation):
    """23:30 UTC on 31 October 2026 is still October in London (GMT); 23:30 UTC on
    31 March 2026 is 00:30 on 1 April (BST)."""
    profile = small["staff"][0]
    supervisor = small["supervisors"][0].user
    for moment in (
        datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 10, 31, 23, 30, tzinfo=datetime.UTC),
    ):
        Session.objects.create(
            programme=small["programmes"][0],
            supervisor=supervisor,
            supervisee=profile.user,
            starts_at=moment,
            ends_at=moment + datetime.timedelta(hours=1),
            status="attended",
        )
    scope = scope_for(
        organisation, first_month=datetime.date(2026, 3, 1), last_month=datetime.date(2026, 4, 1)
    )
    from supervision.reporting import activity, month_of

    months = {month_of(row["month"], scope) for row in activity(scope).values("month")}
    assert months == {datetime.date(2026, 4, 1)}
    october = scope_for(
        organisation,
        first_month=datetime.date(2026, 10, 1),
        last_month=datetime.date(2026, 10, 1),
    )
    assert activity(october).filter(starts_at__day=31).count() == 1


def test_the_report_runs_the_same_queries_however_much_data(
    small, organisation, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scope = scope_for(organisation, department_id=small["wards"]["A"].pk)
    # What the catch-up before a read does depends on what changed since the last one
    # (here, everything: new people and programmes): count reads once caught up.
    caught_up(scope)
    with CaptureQueriesContext(connection) as before:
        engagement_report(scope)
    build(organisation, suffix=" 2")  # twice the data
    caught_up(scope)
    with CaptureQueriesContext(connection) as after:
        engagement_report(scope)
    assert len(after) == len(before)


# --- the pages ---------------------------------------------------------------------


def test_a_wellbeing_lead_sees_the_report_with_charts(client, small, wellbeing_lead):
    client.force_login(wellbeing_lead)
    response = client.get(reverse("reports:engagement"), {"first_month": "2026-09"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Coverage by programme" in html
    assert 'role="img"' in html  # the SPC charts
    assert "fewer than 5" in html
    for text in ("Workload", "Reflective groups"):
        assert text in html


@pytest.mark.parametrize("role", ["supervisee", "supervisor", "facilitator", "peer_supporter"])
def test_people_without_a_reporting_role_are_refused(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("reports:engagement")).status_code == 403
    assert client.get(reverse("reports:export", args=["activity"])).status_code == 403


def test_an_admin_of_another_organisation_never_sees_this_one(
    client, small, organisation, outsider
):
    client.force_login(outsider)
    response = client.get(reverse("reports:engagement"), {"organisation": organisation.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "nhsuk-error-summary" in html
    assert "Reflective groups" not in html
    assert (
        client.get(
            reverse("reports:export", args=["coverage"]), {"organisation": organisation.pk}
        ).status_code
        == 404
    )
    own = client.get(reverse("reports:export", args=["coverage"])).content.decode()
    assert "One-to-one" not in own


def test_a_department_of_another_organisation_is_a_form_error(
    client, small, wellbeing_lead, other_organisation
):
    from tests.factories import DepartmentFactory

    stranger = DepartmentFactory(organisation=other_organisation)
    client.force_login(wellbeing_lead)
    response = client.get(reverse("reports:engagement"), {"department": stranger.pk})
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    bad = client.get(reverse("reports:engagement"), {"first_month": "not-a-month"})
    assert bad.status_code == 200
    assert "nhsuk-error-summary" in bad.content.decode()


def test_the_error_summary_lists_the_filters_errors_in_the_order_of_the_page(
    client, small, wellbeing_lead
):
    """Programme, then department, then the months, as the form lays them out."""
    client.force_login(wellbeing_lead)
    response = client.get(
        reverse("reports:engagement"),
        {"last_month": "never", "department": "999999", "programme": "abc"},
    )
    html = response.content.decode()
    start = html.index("nhsuk-error-summary__list")
    summary = html[start : html.index("</ul>", start)]
    links = [summary.index(f'href="#id_{name}"') for name in ("programme", "department")]
    fields = [html.index(f'<select name="{name}"') for name in ("programme", "department")]
    assert links == sorted(links)
    assert fields == sorted(fields)
    assert summary.index("#id_last_month") > links[-1]  # the months come after both


@pytest.mark.parametrize("slug", sorted(SLUGS))
def test_every_table_downloads_as_csv_with_suppression(client, small, wellbeing_lead, slug):
    client.force_login(wellbeing_lead)
    response = client.get(
        reverse("reports:export", args=[slug]), {"first_month": "2026-09", "last_month": "2026-11"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) >= 2


def test_an_unknown_table_is_404(client, wellbeing_lead):
    client.force_login(wellbeing_lead)
    assert client.get(reverse("reports:export", args=["nothing"])).status_code == 404


def test_csv_cells_cannot_become_formulas():
    from kernel.csv_export import safe

    assert safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe("+1") == "'+1"
    assert safe("-2") == "'-2"
    assert safe("@SUM(A1)") == "'@SUM(A1)"
    assert safe("\tx") == "'\tx"
    assert safe("Ward A") == "Ward A"
    assert safe(12) == 12


def test_a_hostile_programme_name_is_defused_in_the_csv(client, small, wellbeing_lead):
    programme = small["programmes"][0]
    programme.name = "=cmd|' /C calc'!A0"
    programme.save()
    client.force_login(wellbeing_lead)
    response = client.get(reverse("reports:export", args=["coverage"]))
    assert "'=cmd" in response.content.decode()


def test_programme_admins_see_compliance_per_person_and_it_is_audited(
    client, small, programme_admin
):
    client.force_login(programme_admin)
    response = client.get(reverse("reports:compliance"), {"first_month": "2026-09"})
    assert response.status_code == 200
    html = response.content.decode()
    someone = small["staff"][0].user
    assert escape(someone.get_full_name()) in html
    assert AuditEntry.objects.filter(action="report.compliance_viewed").count() == 1
    export = client.get(reverse("reports:compliance_export"), {"first_month": "2026-09"})
    assert export.status_code == 200
    assert export.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Name"
    everyone_eligible = StaffProfile.objects.filter(organisation=small["wards"]["A"].organisation)
    assert len(rows) == 1 + everyone_eligible.count()  # the first programme is for everyone
    assert AuditEntry.objects.filter(action="report.compliance_exported").count() == 1


def test_compliance_filters_those_without_supervision(client, small, programme_admin):
    client.force_login(programme_admin)
    response = client.get(
        reverse("reports:compliance_export"), {"first_month": "2026-09", "status": "without"}
    )
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows
    had = header.index("Had supervision")
    assert all(row[had] == "no" for row in rows)


def test_wellbeing_leads_cannot_see_compliance(client, wellbeing_lead):
    client.force_login(wellbeing_lead)
    assert client.get(reverse("reports:compliance")).status_code == 403
    assert client.get(reverse("reports:compliance_export")).status_code == 403


def test_compliance_page_queries_do_not_grow_with_people(
    client, small, programme_admin, organisation, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(programme_admin)
    url = reverse("reports:compliance")
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    build(organisation, suffix=" 2")
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_coverage_targets_are_set_and_audited(client, small, wellbeing_lead):
    one = small["programmes"][0]
    client.force_login(wellbeing_lead)
    response = client.post(
        reverse("reports:targets"), {f"programme_{p.pk}": 90 for p in small["programmes"]}
    )
    assert response.status_code == 302
    assert CoverageTarget.objects.get(programme=one).percent == 90
    assert AuditEntry.objects.filter(action="report.target_set").count() == 3
    bad = client.post(reverse("reports:targets"), {f"programme_{one.pk}": 140})
    assert bad.status_code == 200
    assert "nhsuk-error-summary" in bad.content.decode()
    assert CoverageTarget.objects.get(programme=one).percent == 90


def test_the_report_is_built_once_for_the_same_filters_until_a_target_changes(
    client, small, wellbeing_lead, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.REPORT_CACHE_SECONDS = 300
    cache.clear()
    client.force_login(wellbeing_lead)
    url = reverse("reports:engagement")
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as again:
        response = client.get(url)
    # The report itself came from the cache: its roll-ups were not counted again (the
    # whole report is now some 20 statements, so the count alone says less).
    counted = ["reports_activityrollup" in query["sql"] for query in first.captured_queries]
    assert any(counted)
    assert not any("reports_activityrollup" in query["sql"] for query in again.captured_queries)
    assert len(again) < len(first) - 15
    assert ">80<" in response.content.decode()
    # ...and so did its HTML: the tables' templates were not rendered again.
    assert "reports/includes/table.html" not in [t.name for t in response.templates]
    assert response.content.decode().count('class="app-report-table"') > 10
    # Other filters are another report, with their own CSV links.
    other = client.get(url, {"band": "6"}).content.decode()
    assert "band=6&amp;" in other or 'band=6"' in other
    assert "band=6" not in client.get(url).content.decode()
    one = small["programmes"][0]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reports:targets"), {f"programme_{p.pk}": 95 for p in small["programmes"]}
        )
    html = client.get(url).content.decode()
    assert ">95<" in html
    assert ">80<" not in html
    assert CoverageTarget.objects.get(programme=one).percent == 95
