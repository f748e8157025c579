import datetime
import threading

import pytest
import time_machine
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from audit.models import AuditEntry
from kernel.models import Band, Grade, Profession
from supervision.allowances import allowance, eligibility
from supervision.availability import free_slots
from supervision.models import AllowanceExtra, Commitment, Session
from supervision.services.sessions import (
    BookingRefused,
    session_book,
    session_cancel,
    session_reschedule,
)
from tests.factories import AgreementFactory, ProgrammeFactory, StaffProfileFactory
from tests.scenario import tuesday

pytestmark = pytest.mark.django_db


def book(agreement, starts_at):
    return session_book(
        actor=agreement.supervisee,
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        agreement=agreement,
        starts_at=starts_at,
    )


def test_band_7_nurse_has_two_sessions_until_31_march(frozen_now, programme, band7):
    current = allowance(programme, band7)
    assert (current.total, current.left) == (2, 2)
    assert current.period.end_date == datetime.date(2027, 3, 31)
    assert current.renews_on == datetime.date(2027, 4, 1)


def test_band_5_nurse_is_told_about_the_pna_route(programme, pna_programme, organisation):
    profile = StaffProfileFactory(organisation=organisation, band=Band.BAND_5)
    result = eligibility(programme, profile)
    assert not result.eligible
    assert "PNA programme" in result.reason
    assert result.alternative == pna_programme
    assert eligibility(pna_programme, profile).eligible


def test_staff_of_another_organisation_are_not_eligible(programme, other_organisation):
    profile = StaffProfileFactory(organisation=other_organisation, band=Band.BAND_7)
    assert not eligibility(programme, profile).eligible


def test_a_third_booking_is_refused_with_what_is_left_and_when_it_renews(
    frozen_now, agreement, django_capture_on_commit_callbacks
):
    book(agreement, tuesday(1, 14))
    book(agreement, tuesday(8, 14))
    assert allowance(agreement.programme, agreement.supervisee).left == 0
    with pytest.raises(BookingRefused) as refused:
        book(agreement, tuesday(15, 14))
    message = str(refused.value)
    assert "all 2 of your sessions" in message
    assert "31 March 2027" in message
    assert "1 April 2027" in message


def test_an_extra_session_granted_by_an_admin_allows_one_more(frozen_now, agreement):
    book(agreement, tuesday(1, 14))
    book(agreement, tuesday(8, 14))
    AllowanceExtra.objects.create(
        programme=agreement.programme,
        user=agreement.supervisee,
        sessions=1,
        reason="Returning from long-term sickness",
        valid_from=datetime.date(2026, 11, 1),
        valid_until=datetime.date(2027, 3, 31),
    )
    assert book(agreement, tuesday(15, 14)).status == Session.Status.BOOKED


def test_booking_outside_the_period_is_refused(frozen_now, agreement):
    with pytest.raises(BookingRefused, match="run until 31 March 2027"):
        book(agreement, tuesday(6, 14, month=4, year=2027))


def test_a_booking_needs_an_accepted_agreement(frozen_now, agreement):
    agreement.supervisee_accepted_at = None
    agreement.save()
    with pytest.raises(BookingRefused, match="accept the agreement"):
        book(agreement, tuesday(1, 14))


def test_a_time_already_taken_is_refused(frozen_now, agreement, programme, organisation):
    book(agreement, tuesday(1, 14))
    other = StaffProfileFactory(organisation=organisation, band=Band.BAND_7).user
    other_agreement = AgreementFactory(
        programme=programme, supervisor=agreement.supervisor, supervisee=other
    )
    with pytest.raises(BookingRefused, match="just been booked by someone else"):
        book(other_agreement, tuesday(1, 14))
    assert book(other_agreement, tuesday(1, 15)).starts_at == tuesday(1, 15)


def test_a_time_that_is_not_offered_is_refused(frozen_now, agreement):
    with pytest.raises(BookingRefused, match="no longer free"):
        book(agreement, tuesday(2, 10))


def test_booking_is_audited_and_queues_the_invite_after_commit(
    frozen_now, agreement, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        session = book(agreement, tuesday(1, 14))
    assert len(callbacks) == 1
    assert AuditEntry.objects.filter(action="session.booked", target_id=str(session.pk)).exists()
    assert set(Commitment.objects.values_list("user_id", flat=True)) == {
        agreement.supervisor_id,
        agreement.supervisee_id,
    }


def test_weekly_slots_keep_their_london_time_across_the_autumn_clock_change(
    programme, supervisor_profile
):
    # 2026: BST ends on Sunday 25 October. Tuesdays 14:00 London.
    with time_machine.travel(datetime.datetime(2026, 10, 12, 9, tzinfo=datetime.UTC)):
        slots = free_slots(
            supervisor=supervisor_profile.user,
            programme=programme,
            end=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
        )
    starts = [s.starts_at for s in slots]
    assert datetime.datetime(2026, 10, 20, 13, tzinfo=datetime.UTC) in starts  # 14:00 BST
    assert datetime.datetime(2026, 10, 27, 14, tzinfo=datetime.UTC) in starts  # 14:00 GMT


def test_weekly_slots_keep_their_london_time_across_the_spring_clock_change(
    programme, supervisor_profile
):
    # 2026: BST began on Sunday 29 March.
    with time_machine.travel(datetime.datetime(2026, 3, 16, 9, tzinfo=datetime.UTC)):
        slots = free_slots(
            supervisor=supervisor_profile.user,
            programme=programme,
            end=datetime.datetime(2026, 4, 2, tzinfo=datetime.UTC),
        )
    starts = [s.starts_at for s in slots]
    assert datetime.datetime(2026, 3, 24, 14, tzinfo=datetime.UTC) in starts  # 14:00 GMT
    assert datetime.datetime(2026, 3, 31, 13, tzinfo=datetime.UTC) in starts  # 14:00 BST


def test_late_cancellation_by_the_supervisee_is_flagged_and_counts(agreement):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)):
        session = book(agreement, tuesday(1, 14))
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC)):
        session_cancel(actor=agreement.supervisee, session=session, reason="Short-staffed")
        session.refresh_from_db()
        assert session.late_cancellation is True
        assert allowance(agreement.programme, agreement.supervisee).used == 1
    assert not Commitment.objects.filter(session=session).exists()


def test_cancellation_by_the_supervisor_never_counts(frozen_now, agreement):
    session = book(agreement, tuesday(1, 14))
    session_cancel(actor=agreement.supervisor, session=session, reason="Sick")
    session.refresh_from_db()
    assert session.cancelled_by == Session.CancelledBy.SUPERVISOR
    assert allowance(agreement.programme, agreement.supervisee).used == 0


def test_did_not_attend_counts_only_when_the_programme_says_so(frozen_now, agreement):
    session = book(agreement, tuesday(1, 14))
    Session.objects.filter(pk=session.pk).update(status=Session.Status.DID_NOT_ATTEND)
    assert allowance(agreement.programme, agreement.supervisee).used == 1
    agreement.programme.did_not_attend_counts = False
    agreement.programme.save()
    assert allowance(agreement.programme, agreement.supervisee).used == 0


def test_rescheduling_moves_the_time_and_bumps_the_invite_sequence(frozen_now, agreement):
    session = book(agreement, tuesday(1, 14))
    moved = session_reschedule(
        actor=agreement.supervisee, session=session, starts_at=tuesday(8, 15)
    )
    assert (moved.starts_at, moved.sequence) == (tuesday(8, 15), 1)
    assert set(Commitment.objects.filter(session=session).values_list("starts_at", flat=True)) == {
        tuesday(8, 15)
    }
    # The old time is free again.
    assert tuesday(1, 14) in [
        s.starts_at
        for s in free_slots(supervisor=agreement.supervisor, programme=agreement.programme)
    ]


def test_a_session_is_never_moved_to_the_time_it_already_has(frozen_now, agreement):
    session = book(agreement, tuesday(1, 14))
    offered = free_slots(
        supervisor=agreement.supervisor,
        programme=agreement.programme,
        supervisee=agreement.supervisee,
        ignore_session=session,
    )
    assert tuesday(1, 14) not in [slot.starts_at for slot in offered]
    assert tuesday(1, 15) in [slot.starts_at for slot in offered]
    with pytest.raises(BookingRefused, match="already at that time"):
        session_reschedule(actor=agreement.supervisee, session=session, starts_at=tuesday(1, 14))
    session.refresh_from_db()
    assert session.sequence == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL"
)
def test_the_database_refuses_overlapping_commitments(supervisee):
    start = timezone.now()
    Commitment.objects.create(
        user=supervisee, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(
            user=supervisee,
            starts_at=start + datetime.timedelta(minutes=30),
            ends_at=start + datetime.timedelta(hours=2),
        )
    # Back to back is fine.
    Commitment.objects.create(
        user=supervisee,
        starts_at=start + datetime.timedelta(hours=1),
        ends_at=start + datetime.timedelta(hours=2),
    )


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_bookings_of_one_slot_have_exactly_one_winner(
    programme, supervisor_profile, organisation
):
    agreements = [
        AgreementFactory(
            programme=programme,
            supervisor=supervisor_profile.user,
            supervisee=StaffProfileFactory(organisation=organisation, band=Band.BAND_7).user,
        )
        for _ in range(20)
    ]
    start_line = threading.Barrier(len(agreements))
    outcomes = []

    def attempt(agreement):
        try:
            start_line.wait()
            with time_machine.travel(datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)):
                book(agreement, tuesday(1, 14))
            outcomes.append("booked")
        except BookingRefused as refused:
            outcomes.append(str(refused))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in agreements]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count("booked") == 1
    refusals = [o for o in outcomes if o != "booked"]
    assert len(refusals) == 19
    assert all(
        r == "That time has just been booked by someone else. Choose another time."
        for r in refusals
    ), set(refusals)
    assert Session.objects.filter(starts_at=tuesday(1, 14)).count() == 1


def test_a_doctor_is_not_sent_down_the_nurses_pna_route(programme, pna_programme, organisation):
    """The programme's message and alternative are for those the alternative serves: a
    doctor is told why the Band 7 and 8 programme is not for them, and nothing about PNA."""
    programme.eligible_professions = [Profession.NURSE, Profession.MIDWIFE]
    programme.save()
    pna_programme.eligible_professions = [Profession.NURSE, Profession.MIDWIFE]
    pna_programme.save()
    ife = StaffProfileFactory(
        organisation=organisation, profession=Profession.DOCTOR, band=Band.OTHER, grade=Grade.FY2
    )
    result = eligibility(programme, ife)
    assert not result.eligible
    assert result.reason == "This programme is not open to your profession."
    assert result.alternative is None
    # A Band 5 nurse is still pointed to the PNA programme.
    band5 = StaffProfileFactory(organisation=organisation, band=Band.BAND_5)
    assert "PNA programme" in eligibility(programme, band5).reason
    assert eligibility(programme, band5).alternative == pna_programme


def test_a_programme_for_some_grades_says_which(organisation):
    programme = ProgrammeFactory(
        organisation=organisation,
        eligible_everyone=False,
        eligible_grades=[Grade.FY1, Grade.FY2],
    )
    consultant = StaffProfileFactory(
        organisation=organisation, profession=Profession.DOCTOR, grade=Grade.CONSULTANT
    )
    assert eligibility(programme, consultant).reason == (
        "This programme is only for doctors in Foundation year 1 (FY1) or Foundation year 2 (FY2)."
    )


def test_the_programmes_page_tells_a_doctor_about_them_not_about_band_5_nurses(
    client, programme, pna_programme, organisation
):
    from django.urls import reverse

    ife = StaffProfileFactory(
        organisation=organisation, profession=Profession.DOCTOR, band=Band.OTHER, grade=Grade.FY2
    )
    client.force_login(ife.user)
    page = client.get(reverse("supervision:programmes")).content.decode()
    assert "This programme is not open to your band." in page
    assert "PNA" not in page.replace(pna_programme.name, "")  # listed, but not as her route
    jordan = StaffProfileFactory(organisation=organisation, band=Band.BAND_5)
    client.force_login(jordan.user)
    assert (
        "reach supervision through the PNA programme"
        in client.get(reverse("supervision:programmes")).content.decode()
    )
