"""Groups limited to eligible people (issue 16, seed 003): a junior doctors' group is
asked for only by junior doctors, and every way in asks the one rule.

The rule is the programmes' (kernel.eligibility): professions, bands, doctors'
grades, departments and organisations. Asking to join, a facilitator accepting or adding
someone, a place offered from the waiting list and its acceptance all go
through it; the facilitator still accepts each request.
"""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from kernel.models import Band, Grade, Profession, StaffProfile
from peergroups.models import Membership
from peergroups.services import groups as services
from tests.factories import (
    DepartmentFactory,
    OrganisationFactory,
    StaffProfileFactory,
)
from tests.peergroups import test_groups as groups_tests

pytestmark = pytest.mark.django_db


def person(organisation, *, profession=Profession.NURSE, band=Band.BAND_5, **kwargs):
    return StaffProfileFactory(
        organisation=organisation, profession=profession, band=band, **kwargs
    ).user


def doctor(organisation, **kwargs):
    return person(organisation, profession=Profession.DOCTOR, band=Band.OTHER, **kwargs)


JUNIOR_GRADES = [Grade.FY1, Grade.FY2, Grade.ST1_2]
FOR_JUNIOR_GRADES = (
    "only for doctors in Foundation year 1 (FY1), Foundation year 2 (FY2) or "
    "Core or specialty training years 1 to 2 (CT/ST1-2)."
)


def make_group(actor, organisation, programme, facilitators, **overrides):
    """A monthly online group of two places, for doctors only unless `overrides` say."""
    defaults = {
        "name": "Junior doctors' peer support group",
        "group_type": "peer_support",
        "eligible_everyone": False,
        "eligible_professions": [Profession.DOCTOR],
    }
    return groups_tests.make_group(
        actor, organisation, programme, facilitators, **{**defaults, **overrides}
    )


@pytest.fixture
def doctors_group(frozen_now, programme_admin, organisation, group_programme, facilitator):
    return make_group(programme_admin, organisation, group_programme, [facilitator])


def state_of(group, user):
    membership = group.memberships.filter(user=user).order_by("-pk").first()
    return membership.state if membership else None


def test_a_junior_doctors_group_is_asked_for_only_by_doctors(
    client, doctors_group, organisation, facilitator
):
    nurse, junior = person(organisation), doctor(organisation)
    url = reverse("peergroups:group_join", kwargs={"pk": doctors_group.pk})
    client.force_login(nurse)
    page = client.get(doctors_group.get_absolute_url()).content.decode()
    assert "This group is not open to your profession." in page
    assert "Ask to join" not in page
    assert "Doctor" in page  # who can join, on the group page
    response = client.post(url, follow=True)
    assert "This group is not open to your profession." in response.content.decode()
    assert state_of(doctors_group, nurse) is None

    client.force_login(junior)
    assert "Ask to join" in client.get(doctors_group.get_absolute_url()).content.decode()
    client.post(url)
    # Eligible people ask; the facilitator still decides.
    assert state_of(doctors_group, junior) == Membership.State.REQUESTED
    membership = doctors_group.memberships.get(user=junior)
    client.force_login(facilitator)
    client.post(
        reverse(
            "peergroups:member_accept",
            kwargs={"pk": doctors_group.pk, "membership_pk": membership.pk},
        )
    )
    assert state_of(doctors_group, junior) == Membership.State.ACTIVE


def test_accepting_asks_the_rule_again(doctors_group, organisation, facilitator):
    junior = doctor(organisation)
    request = services.membership_request(actor=junior, group=doctors_group)
    # Their job changed since they asked (or the group's rule did).
    junior.profile.profession = Profession.NURSE
    junior.profile.save()
    with pytest.raises(services.GroupRefused, match="not open to their profession"):
        services.membership_accept(actor=facilitator, membership=request)
    assert state_of(doctors_group, junior) == Membership.State.REQUESTED


def test_a_facilitator_adds_an_eligible_person_by_email(
    client, doctors_group, organisation, other_organisation, facilitator
):
    junior = doctor(organisation)
    nurse = person(organisation)
    stranger = doctor(other_organisation)
    url = reverse("peergroups:member_add", kwargs={"pk": doctors_group.pk})
    client.force_login(facilitator)
    assert client.get(url).status_code == 200

    response = client.post(url, {"email": nurse.email})
    assert response.status_code == 200
    name = escape(nurse.get_full_name())  # as the page writes O'Brien
    assert f"{name} cannot join: this group is not open to their profession." in (
        response.content.decode()
    )
    # A doctor of another trust is not found: this group is for its host's staff.
    response = client.post(url, {"email": stranger.email})
    assert "There is no one with this email address" in response.content.decode()
    assert state_of(doctors_group, stranger) is None

    response = client.post(url, {"email": junior.email.upper()})
    assert response.status_code == 302
    assert state_of(doctors_group, junior) == Membership.State.ACTIVE
    # Adding them again is refused in words, not an error page.
    response = client.post(url, {"email": junior.email})
    assert "is already in this group" in response.content.decode()


def test_only_those_who_run_the_group_may_add_people(
    client, doctors_group, organisation, supervisee
):
    client.force_login(supervisee)
    url = reverse("peergroups:member_add", kwargs={"pk": doctors_group.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, {"email": supervisee.email}).status_code == 403
    assert state_of(doctors_group, supervisee) is None


def test_a_place_from_the_waiting_list_goes_to_the_next_person_who_may_join(
    doctors_group, organisation, facilitator
):
    members = [doctor(organisation) for _ in range(2)]
    for user in members:
        services.membership_add(actor=facilitator, group=doctors_group, user=user)
    first, second = doctor(organisation), doctor(organisation)
    for user in (first, second):
        services.membership_add(actor=facilitator, group=doctors_group, user=user)
    assert state_of(doctors_group, first) == Membership.State.WAITING
    # The first in the queue has moved into nursing since.
    first.profile.profession = Profession.NURSE
    first.profile.save()
    leaving = doctors_group.memberships.get(user=members[0])
    services.membership_leave(actor=members[0], membership=leaving)
    assert state_of(doctors_group, first) == Membership.State.WAITING
    assert state_of(doctors_group, second) == Membership.State.OFFERED


def test_taking_up_an_offer_asks_the_rule_again(doctors_group, organisation, facilitator):
    members = [doctor(organisation) for _ in range(2)]
    waiting = doctor(organisation)
    for user in [*members, waiting]:
        services.membership_add(actor=facilitator, group=doctors_group, user=user)
    services.membership_leave(
        actor=members[0], membership=doctors_group.memberships.get(user=members[0])
    )
    offer = doctors_group.memberships.get(user=waiting, state=Membership.State.OFFERED)
    doctors_group.eligible_professions = [Profession.PSYCHOLOGIST]
    doctors_group.save()
    with pytest.raises(services.GroupRefused, match="not open to your profession"):
        services.offer_accept(actor=waiting, membership=offer)


def test_bands_and_departments_limit_a_group_like_a_programme(
    frozen_now, programme_admin, organisation, group_programme, facilitator
):
    ward = DepartmentFactory(organisation=organisation, name="Ward 7")
    group = make_group(
        programme_admin,
        organisation,
        group_programme,
        [facilitator],
        eligible_professions=[],
        eligible_bands=[Band.BAND_5, Band.BAND_6],
        eligible_departments=[ward],
        name="Preceptorship group, ward 7",
    )
    with pytest.raises(services.GroupRefused, match="not open to your band"):
        services.membership_request(actor=person(organisation, band=Band.BAND_7), group=group)
    with pytest.raises(services.GroupRefused, match="not open to your department"):
        services.membership_request(actor=person(organisation), group=group)
    newly_qualified = person(organisation, department=ward)
    assert services.membership_request(actor=newly_qualified, group=group).state == "requested"


def test_an_open_group_can_be_limited_to_listed_organisations(
    frozen_now, programme_admin, organisation, group_programme, facilitator
):
    neighbour = OrganisationFactory(name="Northgate Community Health", slug="northgate")
    elsewhere = OrganisationFactory(name="Faraway Health Board", slug="faraway")
    group = make_group(
        programme_admin,
        organisation,
        group_programme,
        [facilitator],
        open_to_other_organisations=True,
        eligible_organisations=[neighbour],
    )
    assert services.membership_request(actor=doctor(neighbour), group=group)
    assert services.membership_request(actor=doctor(organisation), group=group)
    with pytest.raises(services.GroupRefused, match="not open to staff of your organisation"):
        services.membership_request(actor=doctor(elsewhere), group=group)
    # With none listed, an open group admits staff of any organisation.
    group.eligible_organisations.clear()
    assert services.membership_request(actor=doctor(elsewhere), group=group)


def group_form(name, programme, facilitator) -> dict:
    """A monthly online group as an admin types it in, limited to a rule yet to choose."""
    return {
        "name": name,
        "programme": programme.pk,
        "group_type": "peer_support",
        "capacity": 8,
        "facilitators": [facilitator.pk],
        "mode": "online",
        "meeting_link": "https://zoom.us/j/1",
        "recurrence": "monthly",
        "weekday": 2,
        "week_of_month": 1,
        "start_time": "18:00",
        "end_time": "19:30",
        "starts_on": "2026-12-01",
        "offer_hours": 72,
        "absence_threshold": 2,
        "eligible_everyone": "no",
    }


def test_the_admin_limits_a_group_through_its_form(
    client, frozen_now, programme_admin, organisation, group_programme, facilitator
):
    client.force_login(programme_admin)
    data = group_form("Junior doctors' peer support group", group_programme, facilitator)
    url = reverse("peergroups:group_add")
    response = client.post(url, data)
    assert response.status_code == 200
    assert (
        "Select at least one band, profession, grade or department, or open the group to everyone"
        in response.content.decode()
    )
    response = client.post(url, {**data, "eligible_professions": [Profession.DOCTOR]})
    assert response.status_code == 302
    group = group_programme.groups.get()
    assert (group.eligible_everyone, group.eligible_professions) == (False, ["doctor"])
    edit = client.get(reverse("peergroups:group_edit", kwargs={"pk": group.pk}))
    assert edit.context["form"].initial["eligible_everyone"] == "no"
    assert edit.context["form"].initial["eligible_professions"] == ["doctor"]


@pytest.fixture
def junior_doctors_group(frozen_now, programme_admin, organisation, group_programme, facilitator):
    """Seed 003's group: doctors in their first years of training (FY1 to ST2) only."""
    return make_group(
        programme_admin,
        organisation,
        group_programme,
        [facilitator],
        eligible_grades=JUNIOR_GRADES,
    )


def test_a_consultant_asking_to_join_a_junior_doctors_group_is_told_which_grades_it_is_for(
    client, junior_doctors_group, organisation
):
    consultant = doctor(organisation, grade=Grade.CONSULTANT)
    url = reverse("peergroups:group_join", kwargs={"pk": junior_doctors_group.pk})
    client.force_login(consultant)
    page = client.get(junior_doctors_group.get_absolute_url()).content.decode()
    assert f"This group is {FOR_JUNIOR_GRADES}" in page
    assert "Ask to join" not in page
    response = client.post(url, follow=True)
    assert f"This group is {FOR_JUNIOR_GRADES}" in response.content.decode()
    assert state_of(junior_doctors_group, consultant) is None

    # Ife, an FY2 doctor, may ask; the facilitator still decides.
    ife = doctor(organisation, grade=Grade.FY2)
    client.force_login(ife)
    assert "Ask to join" in client.get(junior_doctors_group.get_absolute_url()).content.decode()
    client.post(url)
    assert state_of(junior_doctors_group, ife) == Membership.State.REQUESTED


def test_a_doctor_whose_grade_is_not_recorded_cannot_ask(junior_doctors_group, organisation):
    with pytest.raises(services.GroupRefused, match="only for doctors in Foundation year 1"):
        services.membership_request(actor=doctor(organisation), group=junior_doctors_group)


def test_the_group_page_says_which_grades_may_join(client, junior_doctors_group, organisation):
    client.force_login(doctor(organisation, grade=Grade.FY1))
    page = client.get(junior_doctors_group.get_absolute_url()).content.decode()
    assert "Doctor; Foundation year 1 (FY1), Foundation year 2 (FY2) or Core" in page


def test_a_facilitator_cannot_add_a_consultant_to_a_junior_doctors_group(
    client, junior_doctors_group, organisation, facilitator
):
    consultant = doctor(organisation, grade=Grade.CONSULTANT)
    url = reverse("peergroups:member_add", kwargs={"pk": junior_doctors_group.pk})
    client.force_login(facilitator)
    response = client.post(url, {"email": consultant.email})
    assert response.status_code == 200
    name = escape(consultant.get_full_name())
    assert f"{name} cannot join: this group is {FOR_JUNIOR_GRADES}" in response.content.decode()
    assert state_of(junior_doctors_group, consultant) is None

    foundation = doctor(organisation, grade=Grade.FY1)
    assert client.post(url, {"email": foundation.email}).status_code == 302
    assert state_of(junior_doctors_group, foundation) == Membership.State.ACTIVE


def test_a_request_from_someone_since_promoted_out_of_the_grades_is_not_accepted(
    junior_doctors_group, organisation, facilitator
):
    trainee = doctor(organisation, grade=Grade.ST1_2)
    request = services.membership_request(actor=trainee, group=junior_doctors_group)
    trainee.profile.grade = Grade.ST3_PLUS
    trainee.profile.save()
    refusal = f"cannot join: this group is {FOR_JUNIOR_GRADES}"
    with pytest.raises(services.GroupRefused, match=re.escape(refusal)):
        services.membership_accept(actor=facilitator, membership=request)
    assert state_of(junior_doctors_group, trainee) == Membership.State.REQUESTED


def test_the_waiting_list_offers_a_place_only_to_someone_in_the_groups_grades(
    junior_doctors_group, organisation, facilitator
):
    members = [doctor(organisation, grade=Grade.FY1) for _ in range(2)]
    for user in members:
        services.membership_add(actor=facilitator, group=junior_doctors_group, user=user)
    promoted, next_in_line = (
        doctor(organisation, grade=Grade.FY2),
        doctor(organisation, grade=Grade.FY1),
    )
    for user in (promoted, next_in_line):
        services.membership_add(actor=facilitator, group=junior_doctors_group, user=user)
    assert state_of(junior_doctors_group, promoted) == Membership.State.WAITING
    # The first in the queue became a registrar while waiting.
    promoted.profile.grade = Grade.ST3_PLUS
    promoted.profile.save()
    services.membership_leave(
        actor=members[0], membership=junior_doctors_group.memberships.get(user=members[0])
    )
    assert state_of(junior_doctors_group, promoted) == Membership.State.WAITING
    assert state_of(junior_doctors_group, next_in_line) == Membership.State.OFFERED

    # And an offer is taken up only while the person is still in the group's grades.
    offer = junior_doctors_group.memberships.get(user=next_in_line, state=Membership.State.OFFERED)
    StaffProfile.objects.filter(user=next_in_line).update(grade=Grade.SAS)
    next_in_line = type(next_in_line).objects.get(pk=next_in_line.pk)  # as a new request would
    with pytest.raises(
        services.GroupRefused, match=re.escape(f"This group is {FOR_JUNIOR_GRADES}")
    ):
        services.offer_accept(actor=next_in_line, membership=offer)


def test_the_admin_limits_a_group_to_grades_through_its_form(
    client, frozen_now, programme_admin, group_programme, facilitator
):
    client.force_login(programme_admin)
    data = {
        **group_form("Trainees4trainees", group_programme, facilitator),
        "eligible_professions": [Profession.DOCTOR],
        "eligible_grades": JUNIOR_GRADES,
    }
    response = client.post(reverse("peergroups:group_add"), data)
    assert response.status_code == 302
    group = group_programme.groups.get()
    assert group.eligible_grades == ["fy1", "fy2", "st1_2"]
    edit = client.get(reverse("peergroups:group_edit", kwargs={"pk": group.pk}))
    assert edit.context["form"].initial["eligible_grades"] == ["fy1", "fy2", "st1_2"]
    # A grade alone is a rule: no band, profession or department needed.
    response = client.post(
        reverse("peergroups:group_edit", kwargs={"pk": group.pk}),
        {**data, "eligible_professions": [], "eligible_grades": [Grade.CONSULTANT]},
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.eligible_professions, group.eligible_grades) == ([], ["consultant"])


def test_a_groups_condition_gives_its_own_words_and_a_programme_to_use_instead(
    frozen_now, programme_admin, organisation, group_programme, facilitator, supervisee
):
    """Issue 18: a group's rule words each condition as a programme's does
    (kernel.eligibility.refusal); the programme is offered only to those who may use it."""
    from tests.factories import ProgrammeFactory

    seniors = ProgrammeFactory(
        organisation=organisation,
        name="Band 7 and 8 one-to-one",
        eligible_everyone=False,
        eligible_bands=[Band.BAND_7, Band.BAND_8A],
    )
    group = make_group(
        programme_admin,
        organisation,
        group_programme,
        [facilitator],
        eligible_professions=[],
        eligible_bands=[Band.BAND_5, Band.BAND_6],
        band_message="This group is for newly qualified staff.",
        band_alternative=seniors,
        name="Preceptorship group",
    )
    with pytest.raises(services.GroupRefused) as refused:
        services.membership_request(actor=person(organisation, band=Band.BAND_7), group=group)
    assert str(refused.value) == (
        "This group is for newly qualified staff. You could use “Band 7 and 8 one-to-one” instead."
    )
    # Band 4 cannot use the seniors' programme either: the plain reason, no programme.
    with pytest.raises(services.GroupRefused) as refused:
        services.membership_request(actor=person(organisation, band=Band.BAND_4), group=group)
    assert str(refused.value) == "This group is not open to your band."
    # A facilitator adding someone is told about them, in the standard words.
    with pytest.raises(services.GroupRefused, match="cannot join: this group is not open"):
        services.membership_add(
            actor=facilitator, group=group, user=person(organisation, band=Band.BAND_7)
        )


def test_a_groups_alternative_must_be_a_programme_of_its_organisation(
    frozen_now, programme_admin, organisation, other_organisation, group_programme, facilitator
):
    from django.core.exceptions import ValidationError

    from tests.factories import ProgrammeFactory

    theirs = ProgrammeFactory(organisation=other_organisation)
    with pytest.raises(ValidationError):
        make_group(
            programme_admin,
            organisation,
            group_programme,
            [facilitator],
            grade_alternative=theirs,
        )
