"""One eligibility rule, for one person (`unmet`) and for a population (`rule_q`).

Programmes and groups both hold the rule; the booking service asks it of one
person, the reports and lists ask it of everyone at once. The two forms must
agree on every person, or a report would count people the booking page refuses.
"""

import itertools

import pytest

from kernel.eligibility import rule_q, unmet
from kernel.models import Band, Grade, Modality, Profession, StaffProfile
from tests.factories import (
    DepartmentFactory,
    GroupFactory,
    OrganisationFactory,
    ProgrammeFactory,
    StaffProfileFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(organisation, other_organisation):
    wards = [DepartmentFactory(organisation=organisation) for _ in range(2)]
    elsewhere = DepartmentFactory(organisation=other_organisation)
    people = []
    for (org, department), band, profession in itertools.product(
        [(organisation, wards[0]), (organisation, wards[1]), (other_organisation, elsewhere)],
        [Band.BAND_5, Band.BAND_7, Band.OTHER],
        [Profession.NURSE, Profession.DOCTOR],
    ):
        people.append(
            StaffProfileFactory(
                organisation=org, department=department, band=band, profession=profession
            )
        )
    for (org, department), grade in itertools.product(
        [(organisation, wards[0]), (other_organisation, elsewhere)],
        [Grade.FY1, Grade.ST3_PLUS, Grade.CONSULTANT],
    ):
        people.append(
            StaffProfileFactory(
                organisation=org,
                department=department,
                band=Band.OTHER,
                profession=Profession.DOCTOR,
                grade=grade,
            )
        )
    return {"wards": wards, "people": people}


RULES = [
    {"eligible_everyone": True},
    {"eligible_everyone": False, "eligible_professions": [Profession.DOCTOR]},
    {"eligible_everyone": False, "eligible_bands": [Band.BAND_5, Band.BAND_7]},
    {
        "eligible_everyone": False,
        "eligible_bands": [Band.BAND_7],
        "eligible_professions": [Profession.NURSE],
        "departments": 1,
    },
    {"eligible_everyone": False, "departments": 2},
    {"eligible_everyone": False, "eligible_grades": [Grade.FY1, Grade.FY2, Grade.ST1_2]},
    {
        "eligible_everyone": False,
        "eligible_professions": [Profession.DOCTOR],
        "eligible_grades": [Grade.ST3_PLUS, Grade.CONSULTANT],
        "departments": 1,
    },
]


def _rules(organisation, programme_for, spec):
    """The rule of `spec` as a programme's and as a group's."""
    spec = dict(spec)
    departments = spec.pop("departments", [])
    programme = ProgrammeFactory(organisation=organisation, **spec)
    programme.eligible_departments.set(departments)
    group = GroupFactory(organisation=organisation, programme=programme_for, **spec)
    group.eligible_departments.set(departments)
    return programme, group


@pytest.mark.parametrize("index", range(len(RULES)))
def test_one_person_and_the_whole_population_get_the_same_answer(
    organisation, other_organisation, population, index
):
    spec = dict(RULES[index])
    spec["departments"] = population["wards"][: spec.get("departments", 0)]
    group_programme = ProgrammeFactory(organisation=organisation, modality=Modality.GROUP)
    for rule in _rules(organisation, group_programme, spec):
        for organisations in ([organisation.pk], [organisation.pk, other_organisation.pk], None):
            admitted = set(
                StaffProfile.objects.filter(rule_q(rule, "", organisations)).values_list(
                    "pk", flat=True
                )
            )
            one_by_one = {
                profile.pk
                for profile in population["people"]
                if unmet(rule, profile, organisations) is None
            }
            assert admitted == one_by_one
            assert admitted  # every rule here admits somebody
            assert len(admitted) < len(population["people"]) or rule.eligible_everyone


def test_someone_without_a_staff_profile_is_never_eligible(programme):
    assert unmet(programme, None, None) == "organisation"


def test_the_organisations_are_part_of_the_rule(organisation):
    programme = ProgrammeFactory(organisation=organisation)
    nurse = StaffProfileFactory(organisation=organisation, profession=Profession.NURSE)
    assert unmet(programme, nurse, [organisation.pk]) is None
    assert unmet(programme, nurse, None) is None
    assert unmet(programme, nurse, [OrganisationFactory().pk]) == "organisation"


def test_a_doctor_on_a_nurses_rule_is_refused_for_their_profession_first(organisation):
    """Profession is asked before band: a doctor has no band to be refused for."""
    programme = ProgrammeFactory(
        organisation=organisation,
        eligible_everyone=False,
        eligible_bands=[Band.BAND_7],
        eligible_professions=[Profession.NURSE],
    )
    doctor = StaffProfileFactory(
        organisation=organisation, profession=Profession.DOCTOR, band=Band.OTHER
    )
    assert unmet(programme, doctor, None) == "profession"


def test_a_grade_rule_admits_only_doctors_of_those_grades(organisation):
    programme = ProgrammeFactory(
        organisation=organisation, eligible_everyone=False, eligible_grades=[Grade.FY2]
    )
    fy2, consultant = (
        StaffProfileFactory(organisation=organisation, profession=Profession.DOCTOR, grade=grade)
        for grade in (Grade.FY2, Grade.CONSULTANT)
    )
    nurse = StaffProfileFactory(organisation=organisation, profession=Profession.NURSE)
    assert unmet(programme, fy2, None) is None
    assert unmet(programme, consultant, None) == "grade"
    assert unmet(programme, nurse, None) == "grade"


def test_programmes_with_their_refusals_fetched_ask_no_query_each(
    organisation, django_assert_num_queries
):
    """kernel.permissions.refusals_fetched: the alternatives of every programme in one
    query and the department lists in one more; then each refusal, with the
    alternative it offers, asks none."""
    from kernel.models import Programme
    from kernel.permissions import refusals_fetched
    from supervision.allowances import eligibility

    department = DepartmentFactory(organisation=organisation)
    nurse = StaffProfileFactory(
        organisation=organisation,
        profession=Profession.NURSE,
        band=Band.BAND_5,
        department=department,
    )
    for n in range(3):
        route = ProgrammeFactory(organisation=organisation, name=f"Route {n}")
        ProgrammeFactory(
            organisation=organisation,
            name=f"Leaders {n}",
            eligible_everyone=False,
            eligible_bands=[Band.BAND_8A],
            band_message="For leaders.",
            band_alternative=route,
        )
    programmes = list(Programme.objects.filter(name__startswith="Leaders").order_by("name"))
    with django_assert_num_queries(2):
        refusals_fetched(programmes)
    with django_assert_num_queries(0):
        said = [eligibility(programme, nurse) for programme in programmes]
    assert [(e.eligible, e.reason, e.alternative.name) for e in said] == [
        (False, "For leaders.", f"Route {n}") for n in range(3)
    ]
