"""Issue 18: the staff number shows wherever an admin identifies a person, and a line
manager is chosen by a search that tells two people of the same name apart."""

import csv
import io

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from kernel.models import Department
from tests.factories import ProgrammeFactory, StaffProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def namesakes(organisation):
    """Two Sarah Khans: one a matron in the emergency department, one a ward sister."""
    emergency = Department.objects.create(organisation=organisation, name="Emergency department")
    ward = Department.objects.create(organisation=organisation, name="Cardiology")
    return [
        StaffProfileFactory(
            organisation=organisation,
            user__first_name="Sarah",
            user__last_name="Khan",
            employee_number=number,
            department=department,
            job_title=title,
        )
        for number, department, title in (
            ("40000001", emergency, "Matron"),
            ("40000002", ward, "Ward sister"),
        )
    ]


def test_the_people_list_shows_and_finds_staff_numbers(client, programme_admin, namesakes):
    client.force_login(programme_admin)
    page = client.get(reverse("supervision:people")).content.decode()
    assert "Staff number" in page
    assert "40000001" in page
    assert "40000002" in page
    found = client.get(reverse("supervision:people"), {"q": "40000002"}).context["page"]
    assert [p.pk for p in found.object_list] == [namesakes[1].pk]


def test_the_person_page_shows_the_staff_number(client, programme_admin, namesakes):
    client.force_login(programme_admin)
    page = client.get(reverse("supervision:person", args=[namesakes[0].pk])).content.decode()
    assert "40000001" in page


def test_the_compliance_list_and_its_csv_show_staff_numbers(
    client, programme_admin, organisation, namesakes
):
    ProgrammeFactory(organisation=organisation)  # for everyone
    client.force_login(programme_admin)
    page = client.get(reverse("reports:compliance")).content.decode()
    assert "40000001" in page
    export = client.get(reverse("reports:compliance_export"))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Name", "Staff number"]
    assert ["Sarah Khan", "40000001"] in [row[:2] for row in rows]
    assert ["Sarah Khan", "40000002"] in [row[:2] for row in rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Sarah Khan", [0, 1]), ("40000002", [1]), ("Emergency", [0]), ("khan cardio", [1])],
)
def test_the_line_manager_search_finds_by_name_number_or_department(
    client, programme_admin, supervisee, namesakes, query, expected
):
    client.force_login(programme_admin)
    url = reverse("supervision:person_line_manager", args=[supervisee.profile.pk])
    matches = client.get(url, {"q": query}).context["matches"]
    assert sorted(m.pk for m in matches) == sorted(namesakes[i].pk for i in expected)


def test_namesakes_are_told_apart_and_the_chosen_one_becomes_line_manager(
    client, programme_admin, supervisee, namesakes
):
    client.force_login(programme_admin)
    url = reverse("supervision:person_line_manager", args=[supervisee.profile.pk])
    page = client.get(url, {"q": "Sarah Khan"}).content.decode()
    # Each Choose button says, to a screen reader too, which Sarah Khan it is.
    assert "Sarah Khan, staff number 40000001, Emergency department" in page
    assert "Sarah Khan, staff number 40000002, Cardiology" in page
    response = client.post(url, {"manager": namesakes[1].pk})
    assert response.status_code == 302
    supervisee.profile.refresh_from_db()
    assert supervisee.profile.line_manager == namesakes[1]
    assert AuditEntry.objects.get(action="staff.updated").details == {"fields": ["line_manager"]}
    # And removed again
    client.post(url, {"manager": ""})
    supervisee.profile.refresh_from_db()
    assert supervisee.profile.line_manager is None


def test_someone_of_another_organisation_cannot_be_chosen(
    client, programme_admin, supervisee, other_organisation
):
    stranger = StaffProfileFactory(organisation=other_organisation, employee_number="50000001")
    client.force_login(programme_admin)
    url = reverse("supervision:person_line_manager", args=[supervisee.profile.pk])
    assert client.get(url, {"q": "50000001"}).context["matches"] == []
    response = client.post(url, {"manager": stranger.pk})
    assert "Select a line manager from the list" in response.content.decode()
    supervisee.profile.refresh_from_db()
    assert supervisee.profile.line_manager is None


def test_the_search_runs_the_same_queries_for_many_matches(
    client, programme_admin, supervisee, organisation, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(programme_admin)
    url = reverse("supervision:person_line_manager", args=[supervisee.profile.pk])
    StaffProfileFactory(organisation=organisation, user__last_name="Okafor")
    client.get(url, {"q": "Okafor"})
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"q": "Okafor"})
    for _ in range(10):
        StaffProfileFactory(organisation=organisation, user__last_name="Okafor")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url, {"q": "Okafor"}).context["matches"]) == 11
    assert len(many) == len(one)


def test_the_staff_number_is_unique_in_the_organisation(
    client, programme_admin, supervisee, namesakes
):
    client.force_login(programme_admin)
    profile = supervisee.profile
    response = client.post(
        reverse("supervision:person_edit", args=[profile.pk]),
        {
            "first_name": "A",
            "last_name": "B",
            "profession": profile.profession,
            "band": profile.band,
            "employee_number": "40000001",
        },
    )
    assert response.status_code == 200
    assert "Someone here already has this staff number" in response.content.decode()
