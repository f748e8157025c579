"""Every change to sessions, records, agreements, memberships, roles, programmes and
allowances leaves an audit entry, written by the service that made it, and no
entry repeats what a person wrote."""

import datetime
from types import SimpleNamespace

import pytest
import time_machine

from audit.models import AuditEntry
from audit.services import words_given
from kernel.models import Band, Modality, PeriodKind, Role, SupervisionFunction
from peergroups.models import Membership
from peergroups.services import groups
from supervision.models import Session
from supervision.services import agreements, people, programmes, sessions
from tests.factories import ProgrammeFactory, StaffProfileFactory
from tests.scenario import NOW, tuesday

pytestmark = pytest.mark.django_db

# Free text a person writes; no audit entry may contain it.
SECRET = "Words only the two of us should read 7f3a"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=datetime.UTC)


@pytest.fixture
def w(frozen_now, agreement, supervisor, programme, programme_admin, organisation, facilitator):
    return SimpleNamespace(
        agreement=agreement,
        supervisee=agreement.supervisee,
        supervisor=supervisor,
        programme=programme,
        admin=programme_admin,
        organisation=organisation,
        facilitator=facilitator,
    )


# --- Helpers that set the scene; each case returns the one call under test ---------------


def _book(w, starts_at=None):
    return sessions.session_book(
        actor=w.supervisee,
        programme=w.programme,
        supervisor=w.supervisor,
        agreement=w.agreement,
        starts_at=starts_at or tuesday(1, 14),
    )


def _log(w, session):
    with time_machine.travel(utc(2026, 12, 1, 16), tick=False):
        return sessions.session_log(
            actor=w.supervisor,
            session=session,
            attendance=Session.Status.ATTENDED,
            actual_minutes=50,
            functions=[SupervisionFunction.RESTORATIVE],
            themes=[],
            agreed_actions=SECRET,
            escalated=False,
            escalated_on=None,
            escalated_to="",
        )


def _staff(w, band=Band.BAND_7):
    return StaffProfileFactory(organisation=w.organisation, band=band).user


def _group(w, capacity=8):
    group_programme = ProgrammeFactory(
        organisation=w.organisation, modality=Modality.GROUP, allowance_sessions=None
    )
    return groups.group_create(
        actor=w.admin,
        organisation=w.organisation,
        facilitators=[w.facilitator],
        programme=group_programme,
        name="Reflective practice",
        description="",
        group_type="reflective_practice",
        capacity=capacity,
        mode="online",
        meeting_link="https://teams.microsoft.com/l/meetup-join/group",
        location="",
        recurrence="monthly",
        weekday=1,
        week_of_month=2,
        start_time=datetime.time(14),
        end_time=datetime.time(15, 30),
        starts_on=datetime.date(2026, 12, 1),
        ends_on=None,
        open_to_other_organisations=False,
        offer_hours=72,
        absence_threshold=2,
    )


def _member(w, group):
    user = _staff(w)
    request = groups.membership_request(actor=user, group=group)
    return groups.membership_accept(actor=w.facilitator, membership=request)


def _full_group(w):
    """A group of two with both places taken."""
    group = _group(w, capacity=2)
    _member(w, group)
    _member(w, group)
    return group


def _offered(w):
    """A full group, someone waiting, then a member leaves: the place is offered."""
    group = _full_group(w)
    waiting = _member(w, group)
    leaver = group.memberships.filter(state=Membership.State.ACTIVE).first()
    groups.membership_leave(actor=leaver.user, membership=leaver)
    return Membership.objects.get(pk=waiting.pk)


def _first_meeting(group):
    return group.sessions.order_by("starts_at").first()  # Tuesday 8 December 14:00


def _requested(w):
    return agreements.agreement_request(
        actor=_staff(w), supervisor=w.supervisor, programme=w.programme
    )


# --- The cases: each sets the scene and returns the one call under test -------------------


def session_booked(w):
    return lambda: _book(w)


def session_rescheduled(w):
    session = _book(w)
    return lambda: sessions.session_reschedule(
        actor=w.supervisee, session=session, starts_at=tuesday(8, 14), reason=SECRET
    )


def session_cancelled(w):
    session = _book(w)
    return lambda: sessions.session_cancel(actor=w.supervisee, session=session, reason=SECRET)


def session_logged(w):
    session = _book(w)
    return lambda: _log(w, session)


def session_record_changed(w):
    session = _book(w)
    _log(w, session)
    return lambda: _log(w, session)


def session_confirmed(w):
    session = _book(w)
    _log(w, session)
    return lambda: sessions.session_confirm(actor=w.supervisee, session=session, comment=SECRET)


def group_register_taken(w):
    group = _group(w)
    member = _member(w, group)
    meeting = _first_meeting(group)

    def call():
        with time_machine.travel(utc(2026, 12, 8, 16), tick=False):
            groups.register_save(
                actor=w.facilitator, meeting=meeting, marks={member.user_id: "present"}
            )

    return call


def group_meeting_moved(w):
    meeting = _first_meeting(_group(w))
    return lambda: groups.meeting_move(
        actor=w.facilitator,
        meeting=meeting,
        starts_at=meeting.starts_at + datetime.timedelta(days=1),
        ends_at=meeting.ends_at + datetime.timedelta(days=1),
        reason=SECRET,
    )


def group_meeting_cancelled(w):
    meeting = _first_meeting(_group(w))
    return lambda: groups.meeting_cancel(actor=w.facilitator, meeting=meeting, reason=SECRET)


def group_meetings_added(w):
    """The daily task adds the meetings that come within the 6-month horizon."""
    group = _group(w)

    def call():
        with time_machine.travel(NOW + datetime.timedelta(days=45), tick=False):
            assert groups.meetings_extend_for(group_id=group.pk) > 0

    return call


def _record_save(w, meeting):
    with time_machine.travel(utc(2026, 12, 8, 16), tick=False):
        groups.record_save(
            actor=w.facilitator,
            meeting=meeting,
            functions=[SupervisionFunction.RESTORATIVE],
            themes=[],
            notes=SECRET,
            systemic_issues=SECRET,
        )


def group_record_written(w):
    meeting = _first_meeting(_group(w))
    return lambda: _record_save(w, meeting)


def group_record_changed(w):
    meeting = _first_meeting(_group(w))
    _record_save(w, meeting)
    return lambda: _record_save(w, meeting)


def agreement_requested(w):
    return lambda: _requested(w)


def agreement_accepted(w):
    agreement = _requested(w)
    return lambda: agreements.agreement_accept(actor=agreement.supervisee, agreement=agreement)


def agreement_changed(w):
    agreement = w.agreement
    return lambda: agreements.agreement_update_terms(
        actor=w.supervisor,
        agreement=agreement,
        ground_rules=SECRET,
        frequency=SECRET,
        confidentiality_limits=SECRET,
        start_date=agreement.start_date,
        review_date=agreement.review_date,
    )


def agreement_ended(w):
    return lambda: agreements.agreement_end(
        actor=w.supervisee, agreement=w.agreement, reason=SECRET
    )


def group_join_requested(w):
    group = _group(w)
    return lambda: groups.membership_request(actor=_staff(w), group=group)


def group_member_active(w):
    request = groups.membership_request(actor=_staff(w), group=_group(w))
    return lambda: groups.membership_accept(actor=w.facilitator, membership=request)


def group_member_waiting(w):
    group = _full_group(w)
    return lambda: _member(w, group)


def group_member_left(w):
    membership = _member(w, _group(w))
    return lambda: groups.membership_leave(
        actor=membership.user, membership=membership, reason=SECRET
    )


def group_member_removed(w):
    membership = _member(w, _group(w))
    return lambda: groups.membership_remove(
        actor=w.facilitator, membership=membership, reason=SECRET
    )


def group_place_offered(w):
    group = _full_group(w)
    _member(w, group)  # waiting
    leaver = group.memberships.filter(state=Membership.State.ACTIVE).first()
    return lambda: groups.membership_leave(actor=leaver.user, membership=leaver)


def group_offer_accepted(w):
    offer = _offered(w)
    return lambda: groups.offer_accept(actor=offer.user, membership=offer)


def group_offer_declined(w):
    offer = _offered(w)
    return lambda: groups.offer_decline(actor=offer.user, membership=offer)


def group_offer_expired(w):
    offer = _offered(w)

    def call():
        with time_machine.travel(NOW + datetime.timedelta(hours=73), tick=False):
            groups.offers_expire(group_id=offer.group_id)

    return call


def role_granted(w):
    return lambda: people.role_grant(
        actor=w.admin, user=w.supervisee, organisation=w.organisation, role=Role.FACILITATOR
    )


def role_removed(w):
    return lambda: people.role_remove(
        actor=w.admin, user=w.supervisor, organisation=w.organisation, role=Role.SUPERVISOR
    )


def programme_created(w):
    return lambda: programmes.programme_create(
        actor=w.admin,
        organisation=w.organisation,
        name="Restorative supervision",
        period_kind=PeriodKind.ROLLING,
    )


def programme_updated(w):
    return lambda: programmes.programme_update(
        actor=w.admin, programme=w.programme, allowance_sessions=3
    )


def allowance_extra_granted(w):
    return lambda: programmes.allowance_extra_grant(
        actor=w.admin, programme=w.programme, user=w.supervisee, sessions=1, reason=SECRET
    )


def allowance_extra_revoked(w):
    extra = programmes.allowance_extra_grant(
        actor=w.admin, programme=w.programme, user=w.supervisee, sessions=1, reason="Hard month"
    )
    return lambda: programmes.allowance_extra_revoke(actor=w.admin, extra=extra, reason=SECRET)


CASES = [
    # Sessions: book, move, cancel, log attendance (one-to-one and group)
    ("session.booked", session_booked),
    ("session.rescheduled", session_rescheduled),
    ("session.cancelled", session_cancelled),
    ("session.logged", session_logged),
    ("group.register_taken", group_register_taken),
    ("group.meeting_moved", group_meeting_moved),
    ("group.meeting_cancelled", group_meeting_cancelled),
    ("group.meetings_added", group_meetings_added),
    # Records: write, change, confirm with a comment
    ("session.record_changed", session_record_changed),
    ("session.confirmed", session_confirmed),
    ("group.record_written", group_record_written),
    ("group.record_changed", group_record_changed),
    # Agreements: create, accept, change, end
    ("agreement.requested", agreement_requested),
    ("agreement.accepted", agreement_accepted),
    ("agreement.changed", agreement_changed),
    ("agreement.ended", agreement_ended),
    # Memberships: join, the waiting list, offers, leaving, removal
    ("group.join_requested", group_join_requested),
    ("group.member_active", group_member_active),
    ("group.member_waiting", group_member_waiting),
    ("group.member_left", group_member_left),
    ("group.member_removed", group_member_removed),
    ("group.place_offered", group_place_offered),
    ("group.offer_accepted", group_offer_accepted),
    ("group.offer_declined", group_offer_declined),
    ("group.offer_expired", group_offer_expired),
    # Roles: grant, remove
    ("role.granted", role_granted),
    ("role.removed", role_removed),
    # Programmes: create, edit (retiring: below)
    ("programme.created", programme_created),
    ("programme.updated", programme_updated),
    # Allowances: extra sessions
    ("allowance.extra_granted", allowance_extra_granted),
    ("allowance.extra_revoked", allowance_extra_revoked),
]


BY_THE_SYSTEM = {"group.place_offered", "group.offer_expired", "group.meetings_added"}


def _new_entries(call):
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    call()
    return list(AuditEntry.objects.filter(id__gt=before).order_by("id"))


@pytest.mark.parametrize(("action", "case"), CASES, ids=[action for action, _ in CASES])
def test_each_change_writes_an_audit_entry_without_what_anyone_wrote(w, action, case):
    call = case(w)

    written = _new_entries(call)

    matching = [entry for entry in written if entry.action == action]
    assert matching, f"no {action} among {[entry.action for entry in written]}"
    # Made by a person, or by the system (offers and meetings a task makes).
    assert all((entry.actor_id is None) == (action in BY_THE_SYSTEM) for entry in matching)
    for entry in written:
        assert entry.organisation_id == w.organisation.pk
        assert entry.target_id
        assert SECRET not in f"{entry.summary} {entry.details}"


# The changes a person gives a reason for: the entry says one was given (issue 15).
GIVEN_A_REASON = [
    ("session.rescheduled", session_rescheduled),
    ("session.cancelled", session_cancelled),
    ("group.meeting_moved", group_meeting_moved),
    ("group.meeting_cancelled", group_meeting_cancelled),
    ("agreement.ended", agreement_ended),
    ("group.member_left", group_member_left),
    ("group.member_removed", group_member_removed),
    ("allowance.extra_granted", allowance_extra_granted),
    ("allowance.extra_revoked", allowance_extra_revoked),
]


@pytest.mark.parametrize(
    ("action", "case"), GIVEN_A_REASON, ids=[action for action, _ in GIVEN_A_REASON]
)
def test_an_entry_records_that_a_reason_was_given_not_its_words(w, action, case):
    [entry] = [entry for entry in _new_entries(case(w)) if entry.action == action]
    assert entry.details["reason_given"] is True
    assert SECRET not in f"{entry.summary} {entry.details}"


def test_blank_words_are_recorded_as_none_given():
    assert words_given(reason=SECRET, message="  \n", comment="") == {
        "reason_given": True,
        "message_given": False,
        "comment_given": False,
    }


def test_retiring_a_programme_says_so_in_its_entry(w):
    [entry] = _new_entries(
        lambda: programmes.programme_update(actor=w.admin, programme=w.programme, is_active=False)
    )
    assert (entry.action, entry.actor) == ("programme.updated", w.admin)
    assert entry.summary == f"Retired programme {w.programme.name}"
    assert entry.details == {"fields": ["is_active"], "retired": True}
