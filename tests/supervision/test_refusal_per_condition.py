"""Each condition of a programme's rule can carry its own message and alternative
(issue 18): the person sees the one for the condition that excluded them, falling
back to the programme-wide message, then the plain reason; an alternative only if
they may use it. One rule (kernel.eligibility.refusal) for every path."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import User
from kernel.models import Band, Modality, Profession
from kernel.permissions import programmes_open_to, programmes_open_to_with_refusals
from supervision.allowances import eligibility
from supervision.services.sessions import BookingRefused, session_book

from ..factories import ProgrammeFactory, StaffProfileFactory

pytestmark = pytest.mark.django_db

PSYCHOLOGY_WORDS = "Psychologists have supervision through the psychology programme."
PNA_WORDS = "Band 5 and 6 staff reach supervision through the PNA programme."


@pytest.fixture
def programmes(organisation):
    pna = ProgrammeFactory(
        organisation=organisation,
        name="PNA programme",
        eligible_everyone=False,
        eligible_bands=[Band.BAND_5, Band.BAND_6],
        eligible_professions=[Profession.NURSE],
    )
    psychology = ProgrammeFactory(
        organisation=organisation,
        name="Psychology supervision",
        eligible_everyone=False,
        eligible_professions=[Profession.PSYCHOLOGIST],
    )
    senior = ProgrammeFactory(
        organisation=organisation,
        name="Band 7 and 8 nurses",
        eligible_everyone=False,
        eligible_bands=[Band.BAND_7, Band.BAND_8A, Band.BAND_8B, Band.BAND_8C],
        eligible_professions=[Profession.NURSE],
        not_eligible_message=PNA_WORDS,
        alternative=pna,
        profession_message=PSYCHOLOGY_WORDS,
        profession_alternative=psychology,
    )
    return {"pna": pna, "psychology": psychology, "senior": senior}


def _person(organisation, profession, band):
    return StaffProfileFactory(organisation=organisation, profession=profession, band=band)


def test_a_band_8c_psychologist_is_sent_to_psychology_not_to_the_pna_route(
    organisation, programmes
):
    psychologist = _person(organisation, Profession.PSYCHOLOGIST, Band.BAND_8C)
    allowed = eligibility(programmes["senior"], psychologist)
    assert not allowed.eligible
    assert allowed.reason == PSYCHOLOGY_WORDS
    assert allowed.alternative == programmes["psychology"]


def test_a_band_5_nurse_still_gets_the_programme_wide_pna_message(organisation, programmes):
    nurse = _person(organisation, Profession.NURSE, Band.BAND_5)
    allowed = eligibility(programmes["senior"], nurse)
    assert (allowed.reason, allowed.alternative) == (PNA_WORDS, programmes["pna"])


def test_an_alternative_the_person_cannot_use_is_not_offered_nor_its_message(
    organisation, programmes
):
    # A Band 8c allied health professional: excluded by profession, but psychology is not for them
    # either, and the PNA route is for Band 5-6 nurses: they get the plain reason.
    physio = _person(organisation, Profession.AHP, Band.BAND_8C)
    allowed = eligibility(programmes["senior"], physio)
    assert allowed.alternative is None
    assert allowed.reason == "This programme is not open to your profession."


def test_a_condition_message_without_an_alternative_is_shown_to_everyone_it_excludes(
    organisation, programmes
):
    senior = programmes["senior"]
    senior.profession_alternative = None
    senior.save()
    physio = _person(organisation, Profession.AHP, Band.BAND_8C)
    assert eligibility(senior, physio).reason == PSYCHOLOGY_WORDS


def test_open_programmes_come_with_all_their_refusals_read(
    organisation, programmes, django_assert_num_queries
):
    """The home and programme pages' list (its SQL built once a process): the ORM's
    programmes in the ORM's order, each with its alternatives and department lists,
    so that working out every refusal asks no further query."""
    psychologist = _person(organisation, Profession.PSYCHOLOGIST, Band.BAND_8C)
    nurse = _person(organisation, Profession.NURSE, Band.BAND_5)
    user = User.objects.get(pk=psychologist.user_id)
    found = programmes_open_to_with_refusals(user, Modality.ONE_TO_ONE)
    assert found == list(programmes_open_to(user).filter(modality=Modality.ONE_TO_ONE))
    assert programmes["senior"] in found
    with django_assert_num_queries(0):
        said = {
            (programme.name, programme.organisation.name, profile.profession): (
                allowed.reason,
                allowed.alternative and allowed.alternative.name,
            )
            for programme in found
            for profile in (psychologist, nurse)
            for allowed in [eligibility(programme, profile)]
        }
    senior = ("Band 7 and 8 nurses", organisation.name)
    assert said[*senior, Profession.PSYCHOLOGIST] == (PSYCHOLOGY_WORDS, "Psychology supervision")
    assert said[*senior, Profession.NURSE] == (PNA_WORDS, "PNA programme")


def test_the_programme_page_and_home_show_the_psychology_message(client, organisation, programmes):
    psychologist = _person(organisation, Profession.PSYCHOLOGIST, Band.BAND_8C).user
    client.force_login(psychologist)
    for url in (reverse("supervision:home"), reverse("supervision:programmes")):
        page = client.get(url).content.decode()
        assert PSYCHOLOGY_WORDS in page, url
        assert PNA_WORDS not in page, url
        assert "Go to Psychology supervision" in page, url


def test_booking_is_refused_with_the_conditions_own_words(organisation, programmes, supervisor):
    psychologist = _person(organisation, Profession.PSYCHOLOGIST, Band.BAND_8C).user
    with pytest.raises(BookingRefused, match="psychology programme"):
        session_book(
            actor=psychologist,
            programme=programmes["senior"],
            supervisor=supervisor,
            starts_at=datetime.datetime(2030, 1, 7, 10, tzinfo=datetime.UTC),
        )


def test_an_admin_gives_a_condition_its_message_and_alternative(
    client, programme_admin, organisation, programmes
):
    from supervision.manage_forms import ProgrammeForm

    senior = programmes["senior"]
    form = ProgrammeForm(
        organisation=organisation, programmes=organisation.programmes.all(), instance=senior
    )
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "eligible_bands": senior.eligible_bands,
            "eligible_professions": senior.eligible_professions,
            "band_message": "Band 9 staff: ask the director of nursing.",
            "band_alternative": programmes["pna"].pk,
        }
    )
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_edit", kwargs={"pk": senior.pk})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    senior.refresh_from_db()
    assert senior.band_message == "Band 9 staff: ask the director of nursing."
    assert senior.band_alternative == programmes["pna"]


def test_an_alternative_of_another_organisation_is_refused(
    client, programme_admin, organisation, other_organisation, programmes
):
    from django.core.exceptions import ValidationError

    from supervision.services.programmes import programme_update

    theirs = ProgrammeFactory(organisation=other_organisation)
    with pytest.raises(ValidationError) as refused:
        programme_update(
            actor=programme_admin, programme=programmes["senior"], grade_alternative=theirs
        )
    assert "grade_alternative" in refused.value.message_dict
