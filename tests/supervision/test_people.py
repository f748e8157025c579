import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEntry
from kernel.models import Band, Grade, Profession, Role, RoleGrant, StaffProfile
from supervision.tasks import send_staff_invitation
from tests.factories import (
    DepartmentFactory,
    OrganisationFactory,
    RoleGrantFactory,
    StaffProfileFactory,
)
from tests.html import parse

pytestmark = pytest.mark.django_db


def _add_form(department, **overrides):
    data = {
        "first_name": "Nia",
        "last_name": "Hughes",
        "email": "Nia.Hughes@Westfield.example",
        "department": department.pk,
        "profession": Profession.NURSE,
        "band": Band.BAND_7,
        "job_title": "Ward sister",
        "start_date": "2025-04-01",
        "roles": [Role.SUPERVISOR],
    }
    data.update(overrides)
    return data


def test_admin_adds_a_person_who_gets_a_one_time_invitation(
    client, programme_admin, organisation, django_capture_on_commit_callbacks
):
    department = DepartmentFactory(organisation=organisation, name="Ward 9")
    client.force_login(programme_admin)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("supervision:person_add"), _add_form(department))

    profile = StaffProfile.objects.get(user__email="nia.hughes@westfield.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:person", kwargs={"pk": profile.pk})
    assert profile.organisation == organisation
    assert profile.department == department
    assert not profile.user.has_usable_password()
    assert list(RoleGrant.objects.filter(user=profile.user).values_list("role", flat=True)) == [
        Role.SUPERVISOR
    ]
    # The invitation is queued only once the transaction has committed; the
    # worker then runs the task (tests/test_celery.py runs a real one).
    assert len(callbacks) == 1
    send_staff_invitation(profile.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nia.hughes@westfield.example"]
    assert "Westfield Hospitals NHS Trust" in mail.outbox[0].body
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"staff.added", "role.granted"} <= actions


def test_adding_someone_already_registered_says_so_and_keeps_the_form(
    client, programme_admin, supervisee, organisation
):
    department = DepartmentFactory(organisation=organisation)
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:person_add"),
        _add_form(department, email=supervisee.email.upper(), job_title="Kept title"),
    )
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert 'value="Kept title"' in response.content.decode()
    assert StaffProfile.objects.count() == 2  # supervisee and admin only


def test_admin_cannot_choose_a_department_of_another_organisation(
    client, programme_admin, other_organisation
):
    elsewhere = DepartmentFactory(organisation=other_organisation)
    client.force_login(programme_admin)
    response = client.post(reverse("supervision:person_add"), _add_form(elsewhere))
    assert response.status_code == 200
    assert not StaffProfile.objects.filter(user__email__startswith="nia").exists()


def test_people_list_runs_the_same_queries_for_many_people(
    client, programme_admin, organisation, django_assert_num_queries
):
    client.force_login(programme_admin)
    url = reverse("supervision:people")
    # session, user with their profile (layout), the user's roles, the admin's
    # authenticator app (two-factor gate), the count, the page of people with
    # user/department/organisation, their role grants (as plain values), the
    # department choices of the filter.
    with django_assert_num_queries(8):
        client.get(url)
    for _ in range(30):
        profile = StaffProfileFactory(organisation=organisation)
        RoleGrantFactory(user=profile.user, organisation=organisation, role=Role.SUPERVISOR)
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.context["page"].paginator.count == 31  # the admin and 30 more


def test_people_list_shows_only_the_admins_organisation(
    client, programme_admin, outsider, supervisee
):
    client.force_login(outsider)
    response = client.get(reverse("supervision:people"))
    assert supervisee.email not in response.content.decode()
    client.force_login(programme_admin)
    response = client.get(reverse("supervision:people"))
    assert supervisee.email in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "zebedee"}, {"zebedee@trust.example"}),
        ({"role": Role.SUPERVISOR}, {"sup@trust.example"}),
        ({"status": "deactivated"}, {"gone@trust.example"}),
        ({"status": "invited"}, {"new@trust.example"}),
    ],
)
def test_people_list_filters(client, programme_admin, organisation, query, expected):
    def person(email, **user):
        return StaffProfileFactory(organisation=organisation, user__email=email, **user)

    person("zebedee@trust.example", user__first_name="Zebedee")
    sup = person("sup@trust.example")
    RoleGrantFactory(user=sup.user, organisation=organisation, role=Role.SUPERVISOR)
    gone = person("gone@trust.example")
    gone.user.is_active = False
    gone.user.save()
    new = person("new@trust.example")
    new.user.set_unusable_password()
    new.user.save()
    client.force_login(programme_admin)
    response = client.get(reverse("supervision:people"), query)
    emails = {p.user.email for p in response.context["page"].object_list}
    assert emails == expected


def test_each_persons_account_shows_as_active_invited_or_deactivated(
    client, programme_admin, organisation
):
    """The same tag in the directory's Status column and beside the name on the
    person's page."""
    active = StaffProfileFactory(organisation=organisation, user__email="active@trust.example")
    invited = StaffProfileFactory(organisation=organisation, user__email="new@trust.example")
    invited.user.set_unusable_password()
    invited.user.save()
    gone = StaffProfileFactory(organisation=organisation, user__email="gone@trust.example")
    gone.user.is_active = False
    gone.user.save()
    client.force_login(programme_admin)
    directory = parse(client.get(reverse("supervision:people")).content.decode())
    expected = {
        active: ("Active", "nhsuk-tag nhsuk-tag--green"),
        invited: ("Invited", "nhsuk-tag nhsuk-tag--yellow"),
        gone: ("Deactivated", "nhsuk-tag nhsuk-tag--grey"),
    }
    for person, (words, classes) in expected.items():
        row = next(row for row in directory.find_all("tr") if person.user.email in row.text)
        (tag,) = row.find_all("td")[-1].find_all("strong")
        assert (tag.text, tag.attrs["class"]) == (words, classes)
        page = client.get(reverse("supervision:person", kwargs={"pk": person.pk}))
        (heading,) = parse(page.content.decode()).find_all("h1")
        (tag,) = heading.find_all("strong")
        assert (tag.text, tag.attrs["class"]) == (words, classes)


def test_people_list_names_the_roles_each_person_holds_in_their_own_organisation(
    client, programme_admin, organisation
):
    both = StaffProfileFactory(organisation=organisation, user__email="both@trust.example")
    for role in (Role.SUPERVISOR, Role.FACILITATOR):
        RoleGrantFactory(user=both.user, organisation=organisation, role=role)
    elsewhere = OrganisationFactory()
    RoleGrantFactory(user=both.user, organisation=elsewhere, role=Role.WELLBEING_LEAD)
    none = StaffProfileFactory(organisation=organisation, user__email="none@trust.example")
    RoleGrantFactory(user=none.user, organisation=elsewhere, role=Role.SUPERVISOR)
    client.force_login(programme_admin)
    page = parse(client.get(reverse("supervision:people")).content.decode())

    def roles_of(email):
        row = next(row for row in page.find_all("tr") if email in row.text)
        return row.find_all("td")[4].text.strip()  # name, number, department, band, roles

    assert roles_of("both@trust.example") == "Group facilitator, Supervisor"  # in role order
    assert roles_of("none@trust.example") == "\u2013"  # an en dash: no roles here
    assert roles_of(programme_admin.email) == "Programme admin"


def test_the_roles_column_reads_what_the_grants_queryset_finds(programme_admin, organisation):
    # kernel.permissions.role_grants_of (SQL built once for each number of people)
    # against the queryset it is built from, for any subset of people in any order.
    from kernel.permissions import role_grants_of

    elsewhere = OrganisationFactory()
    people = [StaffProfileFactory(organisation=organisation) for _ in range(4)]
    for person, roles in zip(
        people,
        ([Role.SUPERVISOR, Role.FACILITATOR], [], [Role.WELLBEING_LEAD], [Role.PROGRAMME_ADMIN]),
        strict=True,
    ):
        for role in roles:
            RoleGrantFactory(user=person.user, organisation=organisation, role=role)
    RoleGrantFactory(user=people[1].user, organisation=elsewhere, role=Role.PEER_SUPPORTER)

    def expected(chosen):
        grants = RoleGrant.objects.filter(user_id__in=[p.user_id for p in chosen])
        return sorted(grants.values_list("user_id", "organisation_id", "role"))

    for chosen in (people, people[::-1], people[1:3], [people[1]], people + people[:1], []):
        found = role_grants_of(chosen)
        assert sorted(found) == expected(chosen)
        assert [role for *_, role in found] == sorted(role for *_, role in found)  # role order


def test_bad_filter_values_do_not_break_the_list(client, programme_admin):
    client.force_login(programme_admin)
    response = client.get(
        reverse("supervision:people"), {"department": "nope", "role": "king", "page": "999"}
    )
    assert response.status_code == 200


def test_editing_a_person_is_audited_with_the_changed_fields(client, programme_admin, supervisee):
    profile = supervisee.profile
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:person_edit", kwargs={"pk": profile.pk}),
        {
            "first_name": supervisee.first_name,
            "last_name": "Newname",
            "department": profile.department_id,
            "profession": profile.profession,
            "band": Band.BAND_8A,
            "job_title": profile.job_title,
            "start_date": "",
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.band == Band.BAND_8A
    assert profile.user.last_name == "Newname"
    entry = AuditEntry.objects.get(action="staff.updated")
    assert set(entry.details["fields"]) == {"last_name", "band"}
    assert entry.actor == programme_admin


def test_a_person_cannot_be_their_own_line_manager(client, programme_admin, supervisee):
    profile = supervisee.profile
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:person_line_manager", kwargs={"pk": profile.pk}),
        {"manager": profile.pk},
    )
    assert response.status_code == 200
    assert "Select a line manager from the list" in response.content.decode()
    profile.refresh_from_db()
    assert profile.line_manager is None


def test_roles_are_granted_and_removed_with_audit_entries(client, programme_admin, supervisor):
    profile = supervisor.profile
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:person_roles", kwargs={"pk": profile.pk}),
        {"roles": [Role.FACILITATOR, Role.PEER_SUPPORTER]},
    )
    assert response.status_code == 302
    held = set(RoleGrant.objects.filter(user=supervisor).values_list("role", flat=True))
    assert held == {Role.FACILITATOR, Role.PEER_SUPPORTER}
    granted = AuditEntry.objects.filter(action="role.granted", details__user_id=supervisor.pk)
    removed = AuditEntry.objects.filter(action="role.removed", details__user_id=supervisor.pk)
    assert {e.details["role"] for e in granted} == {Role.FACILITATOR, Role.PEER_SUPPORTER}
    assert [e.details["role"] for e in removed] == [Role.SUPERVISOR]


def test_an_admin_cannot_remove_their_own_admin_role(client, programme_admin):
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:person_roles", kwargs={"pk": programme_admin.profile.pk}),
        {"roles": []},
    )
    assert response.status_code == 200
    assert "cannot remove your own" in response.content.decode()
    assert RoleGrant.objects.filter(user=programme_admin, role=Role.PROGRAMME_ADMIN).exists()


def test_deactivated_person_cannot_sign_in_and_keeps_their_history(
    client, programme_admin, supervisee
):
    profile = supervisee.profile
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:person_deactivate", kwargs={"pk": profile.pk}),
        {"reason": "Left the trust"},
    )
    assert response.status_code == 302
    supervisee.refresh_from_db()
    assert supervisee.is_active is False
    assert StaffProfile.objects.filter(pk=profile.pk).exists()
    entry = AuditEntry.objects.get(action="staff.deactivated")
    assert entry.details == {"reason": "Left the trust"}

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": supervisee.email, "password": "a-long-test-password"}
    )
    assert "_auth_user_id" not in client.session


def test_deactivation_ends_a_session_already_open(client, programme_admin, supervisee):
    client.force_login(supervisee)
    assert client.get(reverse("supervision:home")).status_code == 200
    get_user_model().objects.filter(pk=supervisee.pk).update(is_active=False)
    response = client.get(reverse("supervision:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_deactivation_needs_a_reason(client, programme_admin, supervisee):
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:person_deactivate", kwargs={"pk": supervisee.profile.pk}),
        {"reason": ""},
    )
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    supervisee.refresh_from_db()
    assert supervisee.is_active


def test_admin_cannot_deactivate_themself(client, programme_admin):
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:person_deactivate", kwargs={"pk": programme_admin.profile.pk}),
        {"reason": "Testing"},
    )
    assert response.status_code == 200
    programme_admin.refresh_from_db()
    assert programme_admin.is_active


def test_reactivation_lets_them_back_in(client, programme_admin, supervisee):
    supervisee.is_active = False
    supervisee.save()
    client.force_login(programme_admin)
    client.post(reverse("supervision:person_reactivate", kwargs={"pk": supervisee.profile.pk}))
    supervisee.refresh_from_db()
    assert supervisee.is_active
    assert AuditEntry.objects.filter(action="staff.reactivated").exists()


def test_a_new_invitation_goes_only_to_people_yet_to_sign_in(
    client, programme_admin, supervisee, organisation, django_capture_on_commit_callbacks
):
    invited = StaffProfileFactory(organisation=organisation)
    invited.user.set_unusable_password()
    invited.user.save()
    client.force_login(programme_admin)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("supervision:person_invite", kwargs={"pk": invited.pk}))
        client.post(reverse("supervision:person_invite", kwargs={"pk": supervisee.profile.pk}))
    assert len(callbacks) == 1
    invited.refresh_from_db()
    assert invited.invited_at is not None
    assert not AuditEntry.objects.filter(
        action="staff.invited", target_id=str(supervisee.profile.pk)
    ).exists()


def test_departments_are_added_and_renamed_without_clashes(client, programme_admin, organisation):
    client.force_login(programme_admin)
    client.post(reverse("supervision:department_add"), {"name": "Ward 20", "kind": "ward"})
    department = organisation.departments.get(name="Ward 20")
    response = client.post(
        reverse("supervision:department_add"), {"name": "ward 20", "kind": "ward"}
    )
    assert response.status_code == 200
    assert "already a department" in response.content.decode()
    client.post(
        reverse("supervision:department_edit", kwargs={"pk": department.pk}),
        {"name": "Ward 21", "kind": "team"},
    )
    department.refresh_from_db()
    assert (department.name, department.kind) == ("Ward 21", "team")
    assert AuditEntry.objects.filter(action__startswith="department.").count() == 2


def test_admin_records_a_doctors_grade_when_adding_and_changing_them(
    client, programme_admin, organisation
):
    department = DepartmentFactory(organisation=organisation, name="Emergency department")
    client.force_login(programme_admin)
    form = _add_form(
        department,
        email="ife.adebayo@westfield.example",
        profession=Profession.DOCTOR,
        band=Band.OTHER,
        grade=Grade.FY2,
        roles=[],
    )
    assert client.post(reverse("supervision:person_add"), form).status_code == 302
    profile = StaffProfile.objects.get(user__email="ife.adebayo@westfield.example")
    assert profile.grade == Grade.FY2
    page = client.get(reverse("supervision:person", kwargs={"pk": profile.pk})).content.decode()
    assert "Foundation year 2 (FY2)" in page

    edit = reverse("supervision:person_edit", kwargs={"pk": profile.pk})
    assert client.get(edit).context["form"].initial["grade"] == Grade.FY2
    form = {**form, "grade": Grade.ST1_2}
    del form["email"], form["roles"]
    assert client.post(edit, form).status_code == 302
    profile.refresh_from_db()
    assert profile.grade == Grade.ST1_2
    entry = AuditEntry.objects.get(action="staff.updated")
    assert entry.details["fields"] == ["grade"]


def test_a_grade_is_for_doctors_only(client, programme_admin, organisation):
    department = DepartmentFactory(organisation=organisation)
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:person_add"), _add_form(department, grade=Grade.CONSULTANT)
    )
    assert response.status_code == 200
    assert "Choose a grade only for a doctor, or choose Doctor" in response.content.decode()
    assert not StaffProfile.objects.filter(user__email="nia.hughes@westfield.example").exists()
    # The database holds the rule too.
    nurse = StaffProfileFactory(organisation=organisation, profession=Profession.NURSE)
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProfile.objects.filter(pk=nurse.pk).update(grade=Grade.FY1)


def test_the_directory_as_it_opens_is_a_page_of_the_staff_the_admin_may_manage(
    client, programme_admin, organisation, other_organisation
):
    # kernel.permissions.staff_page_for_user (its SQL built once for each number of
    # organisations one administers) against Paginator over staff_visible_to.
    from django.core.paginator import Paginator

    from kernel.models import Role
    from kernel.permissions import staff_page_for_user, staff_visible_to
    from tests.factories import RoleGrantFactory, StaffProfileFactory

    for n in range(7):
        StaffProfileFactory(organisation=organisation if n % 2 else other_organisation)
    for extra_organisation in (False, True):
        if extra_organisation:
            RoleGrantFactory(
                user=programme_admin, organisation=other_organisation, role=Role.PROGRAMME_ADMIN
            )
        admin = get_user_model().objects.get(pk=programme_admin.pk)  # roles read afresh
        everyone = staff_visible_to(admin).select_related("user", "department", "organisation")
        for number in ("1", "2", "3", "9", "x"):
            expected = Paginator(everyone, 3).get_page(number)
            page = staff_page_for_user(admin, number, per_page=3)
            assert list(page.object_list) == list(expected.object_list)
            assert (page.number, page.paginator.count) == (
                expected.number,
                expected.paginator.count,
            )
        organisations = {p.organisation_id for p in everyone}
        assert organisations == (
            {organisation.pk, other_organisation.pk} if extra_organisation else {organisation.pk}
        )
    client.force_login(programme_admin)
    response = client.get(reverse("supervision:people") + "?page=2")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == staff_visible_to(admin).count()
