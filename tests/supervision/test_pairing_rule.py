"""The line-manager rule holds on every path to a one-to-one session (issue 15).

Nobody supervises themselves, and a person's line manager is never their
supervisor: asking, accepting, a first session without an agreement, booking
under an agreement, moving a session, and making someone a line manager.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kernel.models import Band
from supervision.models import Agreement
from supervision.pairing import pairing_refusal
from supervision.services.agreements import agreement_accept, agreement_request
from supervision.services.people import staff_update
from supervision.services.sessions import (
    BookingRefused,
    may_book_without_agreement,
    session_book,
    session_reschedule,
)
from tests.factories import AgreementFactory, StaffProfileFactory
from tests.scenario import tuesday

pytestmark = pytest.mark.django_db


@pytest.fixture
def managed(band7, supervisor):
    """band7 now has their supervisor as line manager (as after a team change)."""
    band7.profile.line_manager = supervisor.profile
    band7.profile.save()
    return band7


@pytest.fixture
def first_sessions(programme):
    programme.allow_booking_without_agreement = True
    programme.save()
    return programme


def test_the_rule_in_one_place(supervisor, band7, managed):
    assert "line manager" in (pairing_refusal(supervisor, band7) or "")
    assert "yourself" in (pairing_refusal(supervisor, supervisor) or "")
    other = StaffProfileFactory(organisation=band7.profile.organisation, band=Band.BAND_7).user
    assert pairing_refusal(supervisor, other) is None


def test_the_rule_holds_whichever_profiles_are_already_loaded(supervisor, managed):
    """line_manages compares ids when the supervisor's profile is at hand (their page)
    and fetches the line manager otherwise: the same answer either way."""
    users = type(supervisor).objects

    def fetched(user):
        return (users.get(pk=user.pk), users.select_related("profile").get(pk=user.pk))

    for manager in fetched(supervisor):
        for person in fetched(managed):
            assert "line manager" in (pairing_refusal(manager, person) or "")
            assert pairing_refusal(person, manager) is None


def test_asking_is_refused(managed, supervisor, supervisor_profile, programme):
    with pytest.raises(ValidationError, match="line manager"):
        agreement_request(actor=managed, supervisor=supervisor, programme=programme)


def test_a_first_session_is_neither_offered_nor_booked(
    frozen_now, managed, supervisor, supervisor_profile, first_sessions
):
    assert not may_book_without_agreement(first_sessions, supervisor, managed)
    with pytest.raises(BookingRefused, match="line manager"):
        session_book(
            actor=managed, programme=first_sessions, supervisor=supervisor, starts_at=tuesday(1, 14)
        )


def test_the_first_session_is_still_offered_to_anyone_else(
    frozen_now, band7, supervisor, supervisor_profile, first_sessions
):
    assert may_book_without_agreement(first_sessions, supervisor, band7)


def test_accepting_an_older_request_is_refused(band7, supervisor, supervisor_profile, programme):
    agreement = agreement_request(actor=band7, supervisor=supervisor, programme=programme)
    band7.profile.line_manager = supervisor.profile
    band7.profile.save()
    with pytest.raises(ValidationError, match="line manager"):
        agreement_accept(actor=supervisor, agreement=agreement)


def test_booking_and_moving_under_an_agreement_are_refused(
    frozen_now, band7, supervisor, supervisor_profile, programme
):
    agreement = AgreementFactory(programme=programme, supervisor=supervisor, supervisee=band7)
    session = session_book(
        actor=band7,
        programme=programme,
        supervisor=supervisor,
        starts_at=tuesday(1, 14),
        agreement=agreement,
    )
    # Made line manager behind the rule's back (e.g. data from before it held)
    band7.profile.line_manager = supervisor.profile
    band7.profile.save()
    with pytest.raises(BookingRefused, match="line manager"):
        session_book(
            actor=band7,
            programme=programme,
            supervisor=supervisor,
            starts_at=tuesday(8, 14),
            agreement=agreement,
        )
    with pytest.raises(BookingRefused, match="line manager"):
        session_reschedule(actor=supervisor, session=session, starts_at=tuesday(8, 14))


def test_a_current_supervisor_cannot_be_made_line_manager(
    band7, supervisor, supervisor_profile, programme, programme_admin
):
    AgreementFactory(programme=programme, supervisor=supervisor, supervisee=band7)
    profile = band7.profile
    with pytest.raises(ValidationError) as refused:
        staff_update(
            actor=programme_admin,
            profile=profile,
            first_name=band7.first_name,
            last_name=band7.last_name,
            line_manager=supervisor.profile,
        )
    assert "line_manager" in refused.value.error_dict
    profile.refresh_from_db()
    assert profile.line_manager is None


def test_an_ended_agreement_does_not_stand_in_the_way(
    band7, supervisor, supervisor_profile, programme, programme_admin
):
    agreement = AgreementFactory(programme=programme, supervisor=supervisor, supervisee=band7)
    Agreement.objects.filter(pk=agreement.pk).update(ended_at=agreement.created_at)
    staff_update(
        actor=programme_admin,
        profile=band7.profile,
        first_name=band7.first_name,
        last_name=band7.last_name,
        line_manager=supervisor.profile,
    )
    band7.profile.refresh_from_db()
    assert band7.profile.line_manager == supervisor.profile


def test_the_profile_offers_no_first_session_and_the_page_refuses(
    client, frozen_now, managed, supervisor, supervisor_profile, first_sessions
):
    client.force_login(managed)
    page = client.get(reverse("supervision:supervisor", kwargs={"pk": supervisor_profile.pk}))
    book = reverse(
        "supervision:first_session_book",
        kwargs={"pk": supervisor_profile.pk, "programme_pk": first_sessions.pk},
    )
    ask = reverse(
        "supervision:supervisor_request",
        kwargs={"pk": supervisor_profile.pk, "programme_pk": first_sessions.pk},
    )
    content = page.content.decode()
    assert book not in content
    assert ask not in content
    assert "line manager" in content
    assert "Next free times" not in content
    assert client.get(book).status_code == 403


def test_the_admin_line_manager_page_says_why(
    client, band7, supervisor, supervisor_profile, programme, programme_admin
):
    AgreementFactory(programme=programme, supervisor=supervisor, supervisee=band7)
    client.force_login(programme_admin)
    url = reverse("supervision:person_line_manager", kwargs={"pk": band7.profile.pk})
    response = client.post(url, {"manager": supervisor.profile.pk})
    assert response.status_code == 200
    assert "supervises this person under a current supervision agreement" in (
        response.content.decode()
    )
    band7.profile.refresh_from_db()
    assert band7.profile.line_manager is None
