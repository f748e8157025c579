import re

import pytest
from django.urls import reverse

from kernel.models import Role
from tests.factories import RoleGrantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fixture", "section"),
    [
        ("supervisee", "your-supervision"),
        ("supervisor", "supervising"),
        ("facilitator", "facilitating"),
        ("peer_supporter", "peer-support"),
        ("programme_admin", "programme-admin"),
        ("wellbeing_lead", "wellbeing-lead"),
    ],
)
def test_home_shows_a_section_for_each_role(client, request, fixture, section):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    content = client.get(reverse("supervision:home")).content.decode()
    assert f'id="{section}"' in content
    assert content.count("<h1") == 1


def test_supervisee_sees_no_admin_sections_or_menu(client, supervisee):
    client.force_login(supervisee)
    content = client.get(reverse("supervision:home")).content.decode()
    assert 'id="programme-admin"' not in content
    assert reverse("supervision:people") not in content


def test_person_with_several_roles_sees_each(client, supervisor, organisation):
    RoleGrantFactory(user=supervisor, organisation=organisation, role=Role.WELLBEING_LEAD)
    client.force_login(supervisor)
    content = client.get(reverse("supervision:home")).content.decode()
    assert 'id="supervising"' in content
    assert 'id="wellbeing-lead"' in content


def test_header_shows_the_organisation_and_no_nhs_logo_unless_turned_on(
    client, supervisee, organisation
):
    client.force_login(supervisee)
    content = client.get(reverse("supervision:home")).content.decode()
    assert "Westfield Hospitals NHS Trust" in content
    assert "nhsuk-header__logo" not in content
    organisation.show_nhs_logo = True
    organisation.save()
    content = client.get(reverse("supervision:home")).content.decode()
    assert "nhsuk-header__logo" in content


def test_admin_home_counts_staff_in_their_organisation_only(
    client, programme_admin, supervisee, outsider
):
    client.force_login(programme_admin)
    response = client.get(reverse("supervision:home"))
    assert response.context["staff_counts"] == {"active": 2, "invited": 0}


def test_wellbeing_lead_sees_averages_of_five_or_more_and_rounded_counts(
    client, wellbeing_lead, organisation
):
    from feedback.models import WellbeingCheckIn
    from tests.factories import DepartmentFactory, StaffProfileFactory

    big = DepartmentFactory(organisation=organisation, name="Big ward")
    small = DepartmentFactory(organisation=organisation, name="Small ward")
    for department, people in ((big, 5), (small, 4)):
        for _ in range(people):
            author = StaffProfileFactory(organisation=organisation, department=department).user
            WellbeingCheckIn.objects.create(
                author=author,
                organisation=organisation,
                department_id=department.pk,
                feeling=2,
                comment="private words",
            )
    client.force_login(wellbeing_lead)
    content = client.get(reverse("supervision:home")).content.decode()
    # The cells' text in order, whatever classes the table component gives them
    content = re.sub(r"<(td|th)\b[^>]*>", r"<\1>", content)
    assert "Big ward</td><td>5</td><td>2.0" in content
    # 4 people show as 5 (rounded, like every count); their average is not shown
    assert "Small ward</td><td>5</td><td>fewer than 5" in content
    assert "private words" not in content
