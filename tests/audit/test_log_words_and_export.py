"""The audit log in words (no codes, no query strings) and its CSV download."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from audit.presenters import action_words, filters_words
from audit.services import audit_log
from kernel.models import Band

from ..factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

LOG = reverse("audit:log")
EXPORT = reverse("audit:export")


def _viewed(organisation, actor, query):
    return audit_log(
        actor=actor,
        action="report.compliance_viewed",
        target=organisation,
        summary="Viewed per-person compliance, page 2",
        organisation_id=organisation.pk,
        details={"filters": query},
    )


def test_every_action_reads_as_words_even_one_not_yet_named():
    assert action_words("account.signed_in") == "Signed in"
    assert action_words("account.two_factor_on") == "Two-factor authentication turned on"
    assert action_words("staff_import.columns_saved") == "Saved the columns of a staff import"
    assert action_words("widget.colour_changed") == "Widget: colour changed"


def test_filters_are_shown_by_name_and_date_not_as_a_query_string():
    words = filters_words(
        "organisation=3&programme=9&date_from=2026-04-01&band=7&status=",
        {"programme": {9: "Clinical supervision"}},
    )
    assert words == (
        "organisation: number 3; programme: Clinical supervision; from: 1 April 2026; "
        f"band: {dict(Band.choices)['7']}"
    )


def test_the_log_page_shows_a_report_view_in_words(client, programme_admin, organisation):
    programme = ProgrammeFactory(organisation=organisation, name="Restorative supervision")
    _viewed(organisation, programme_admin, f"programme={programme.pk}&date_from=2026-04-01")
    client.force_login(programme_admin)
    body = client.get(LOG).content.decode().split("<tbody", 1)[1]
    assert "Viewed per-person compliance" in body
    assert "programme: Restorative supervision; from: 1 April 2026" in body
    assert "date_from=" not in body
    assert "report.compliance_viewed" not in body


def test_another_organisations_programme_is_not_named(
    client, programme_admin, organisation, other_organisation
):
    theirs = ProgrammeFactory(organisation=other_organisation, name="Their secret programme")
    _viewed(organisation, programme_admin, f"programme={theirs.pk}")
    client.force_login(programme_admin)
    body = client.get(LOG).content.decode()
    assert "Their secret programme" not in body
    assert f"programme: number {theirs.pk}" in body


def test_the_action_filter_offers_actions_in_words(client, programme_admin, organisation):
    _viewed(organisation, programme_admin, "")
    client.force_login(programme_admin)
    page = client.get(LOG).content.decode()
    assert '<option value="report.compliance_viewed">Viewed per-person compliance</option>' in page


def test_the_log_page_costs_the_same_however_many_entries(
    client, programme_admin, organisation, django_assert_max_num_queries
):
    programme = ProgrammeFactory(organisation=organisation)
    client.force_login(programme_admin)
    # The names of the programmes and organisations the filters name: one query each.
    _viewed(organisation, programme_admin, f"programme={programme.pk}&organisation=1")
    client.get(LOG)

    with CaptureQueriesContext(connection) as few:
        client.get(LOG)
    for _ in range(30):
        other = ProgrammeFactory(organisation=organisation)
        _viewed(organisation, programme_admin, f"programme={other.pk}&organisation=1")
    with django_assert_max_num_queries(len(few)):
        client.get(LOG)


def _csv(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_export_is_the_filtered_log_in_words_and_is_audited(
    client, programme_admin, organisation, other_organisation, outsider
):
    _viewed(organisation, programme_admin, "date_from=2026-04-01")
    audit_log(
        actor=programme_admin,
        action="staff.added",
        target=organisation,
        summary='=HYPERLINK("http://evil.example")',
        organisation_id=organisation.pk,
    )
    audit_log(
        actor=outsider,
        action="staff.added",
        target=other_organisation,
        summary="Theirs",
        organisation_id=other_organisation.pk,
    )
    client.force_login(programme_admin)

    response = client.get(EXPORT, {"action": "staff.added"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = _csv(response)
    assert header[:3] == ["When", "Who", "Action"]
    assert [row[2] for row in rows] == ["Added a member of staff"]
    assert rows[0][3] == '\'=HYPERLINK("http://evil.example")'  # not a formula
    exported = AuditEntry.objects.get(action="audit.exported")
    assert exported.organisation_id == organisation.pk
    assert exported.details == {"filters": "action=staff.added"}

    everything = _csv(client.get(EXPORT))
    assert any("from: 1 April 2026" in row[5] for row in everything[1:])
    assert not any("Theirs" in cell for row in everything for cell in row)


def test_an_export_with_a_wrong_filter_goes_back_to_the_page_with_the_error(
    client, programme_admin
):
    client.force_login(programme_admin)
    response = client.get(EXPORT, {"date_from": "2026-13-45"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "nhsuk-error-summary" in page
    assert not AuditEntry.objects.filter(action="audit.exported").exists()


def test_the_log_page_links_to_the_export_of_what_it_shows(client, programme_admin, organisation):
    _viewed(organisation, programme_admin, "")
    client.force_login(programme_admin)
    page = client.get(LOG, {"action": "report.compliance_viewed"}).content.decode()
    assert f'href="{EXPORT}?action=report.compliance_viewed"' in page
