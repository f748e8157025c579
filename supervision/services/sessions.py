"""Booking, moving, cancelling and logging one-to-one sessions."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log, words_given
from kernel.dates import refuse_future_date
from kernel.models import Programme, StaffProfile, SupervisionFunction

from ..allowances import allowance, eligibility, refusal_message
from ..availability import find_free_slot
from ..models import Agreement, Session, SessionRecord
from ..pairing import pairing_refusal
from .capacity import has_capacity
from .scheduling import (
    TimeTaken,
    commitments_move,
    commitments_release,
    commitments_reserve,
    first_clash,
)
from .teams import session_link, session_teams_plan


class BookingRefused(Exception):
    """A booking that cannot be made; the message says why, in plain words."""


def slot_gone_message(
    *, programme: Programme, supervisor, supervisee, starts_at, moving: Session | None = None
) -> str:
    """Why a time someone chose is no longer free, for the booking and the page alike.

    Booked by another supervisee of the same supervisor (the loser of a booking
    race): said so. Anything else (time away added, the slot withdrawn, the
    person's own other booking): no longer free.
    """
    ends_at = starts_at + datetime.timedelta(minutes=programme.session_minutes)
    clash = first_clash([supervisor.pk], starts_at, ends_at, exclude_session=moving)
    if (
        clash is not None
        and clash.session is not None
        and clash.session.supervisee_id != (supervisee.pk)
    ):
        return _("That time has just been booked by someone else. Choose another time.")
    return _("That time is no longer free. Choose another time.")


def booking_held(*, supervisor, supervisee, starts_at) -> Session | None:
    """The supervisee's own booked session with `supervisor` starting at `starts_at`.

    A booking double-submitted (two tabs, a second click) finds the first one's
    session here: the person already holds the time, nothing was refused.
    """
    return Session.objects.filter(
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=starts_at,
        status=Session.Status.BOOKED,
    ).first()


def _notify(session: Session, change: str, reason: str = "", previous=None) -> None:
    """Schedule the emails (with calendar invites) and what follows the change, and
    the session's Teams meeting (made, moved or cancelled by a worker after the commit).

    `previous`: the (start, end) a moved session had, so the email can say both.
    A booking whose Teams link is still to come holds its email a little for it.
    """
    from kernel.graph import LINK_WAIT

    from ..notifications import session_changed, session_logged

    if change == "logged":
        session_logged(session)
        return
    link_to_come = session_teams_plan(session)
    hold = LINK_WAIT if link_to_come and change == "booked" else None
    session_changed(session, change, reason, previous=previous, hold=hold)


def _check_allowance(programme, supervisee, starts_at, exclude_session=None) -> None:
    current = allowance(programme, supervisee, at=starts_at, exclude_session=exclude_session)
    period = current.period
    if period.start is not None and starts_at < period.start:
        raise BookingRefused(_("This programme's period has not started yet."))
    if period.end is not None and starts_at >= period.end:
        raise BookingRefused(
            _("This programme's sessions run until %(end)s; choose an earlier time.")
            % {"end": f"{period.end_date:%-d %B %Y}"}
        )
    if current.exhausted:
        raise BookingRefused(refusal_message(programme, current))


def _lock_person(user) -> StaffProfile | None:
    """Hold the supervisee's row so their own bookings cannot race past the allowance."""
    return StaffProfile.objects.select_for_update().filter(user=user).first()


def may_book_without_agreement(programme: Programme, supervisor, supervisee) -> bool:
    """A first session with any supervisor who has room, where the programme allows it."""

    return (
        programme.allow_booking_without_agreement
        and pairing_refusal(supervisor, supervisee) is None
        and not Session.objects.filter(programme=programme, supervisee=supervisee).exists()
        and has_capacity(supervisor)
    )


@transaction.atomic
def session_book(
    *,
    actor,
    programme: Programme,
    supervisor,
    starts_at: datetime.datetime,
    agreement: Agreement | None = None,
) -> Session:
    """Book the slot starting at `starts_at` for `actor` with `supervisor`."""
    supervisee = actor
    profile = _lock_person(supervisee)
    allowed = eligibility(programme, profile)
    if not allowed.eligible:
        raise BookingRefused(allowed.reason)
    refusal = pairing_refusal(supervisor, supervisee)
    if refusal:
        raise BookingRefused(refusal)
    if agreement is not None:
        if (
            agreement.status != Agreement.Status.ACTIVE
            or agreement.supervisee_id != supervisee.pk
            or agreement.supervisor_id != supervisor.pk
            or agreement.programme_id != programme.pk
        ):
            raise BookingRefused(_("Both of you need to accept the agreement before booking."))
    elif not may_book_without_agreement(programme, supervisor, supervisee):
        raise BookingRefused(
            _("Agree a supervision agreement with this supervisor before booking a session.")
        )
    slot = find_free_slot(
        starts_at=starts_at, supervisor=supervisor, programme=programme, supervisee=supervisee
    )

    def gone() -> BookingRefused:
        return BookingRefused(
            slot_gone_message(
                programme=programme,
                supervisor=supervisor,
                supervisee=supervisee,
                starts_at=starts_at,
            )
        )

    if slot is None:
        raise gone()
    _check_allowance(programme, supervisee, starts_at)

    session = Session(
        programme=programme,
        agreement=agreement,
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        mode=slot.mode,
        meeting_link=slot.meeting_link,
        location=slot.location,
    )
    session.full_clean()
    session.save()
    try:
        commitments_reserve(
            user_ids=[supervisor.pk, supervisee.pk],
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            session=session,
        )
    except TimeTaken as error:
        # Lost a race: the winner's booking has committed (PostgreSQL waited for it).
        raise gone() from error
    audit_log(
        actor=actor,
        action="session.booked",
        target=session,
        organisation_id=programme.organisation_id,
        summary=f"Session booked for {session.starts_at:%Y-%m-%d %H:%M}Z",
    )
    _notify(session, "booked")
    return session


@transaction.atomic
def session_reschedule(
    *, actor, session: Session, starts_at: datetime.datetime, reason: str = ""
) -> Session:
    """Move a booked session to another free slot of the same supervisor, saying why."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.BOOKED or session.starts_at <= timezone.now():
        raise BookingRefused(_("Only sessions that have not started can be moved."))
    refusal = pairing_refusal(session.supervisor, session.supervisee)
    if refusal:
        raise BookingRefused(refusal)
    late = is_late_move(session, actor, timezone.now())
    if late and session.programme.late_moves_refused:
        raise BookingRefused(late_move_refusal(session))
    if starts_at == session.starts_at:
        raise BookingRefused(_("The session is already at that time. Choose a different time."))
    slot = find_free_slot(
        starts_at=starts_at,
        supervisor=session.supervisor,
        programme=session.programme,
        supervisee=session.supervisee,
        ignore_session=session,
    )

    def gone() -> BookingRefused:
        return BookingRefused(
            slot_gone_message(
                programme=session.programme,
                supervisor=session.supervisor,
                supervisee=session.supervisee,
                starts_at=starts_at,
                moving=session,
            )
        )

    if slot is None:
        raise gone()
    _check_allowance(session.programme, session.supervisee, starts_at, exclude_session=session)
    previous = session.starts_at
    previous_end = session.ends_at
    try:
        commitments_move(session=session, starts_at=slot.starts_at, ends_at=slot.ends_at)
    except TimeTaken as error:
        raise gone() from error
    session.starts_at, session.ends_at = slot.starts_at, slot.ends_at
    session.mode, session.meeting_link, session.location = (
        slot.mode,
        session_link(session, mode=slot.mode, own_link=slot.meeting_link),
        slot.location,
    )
    session.moved_late = session.moved_late or late
    session.sequence += 1
    session.save()
    audit_log(
        actor=actor,
        action="session.rescheduled",
        target=session,
        organisation_id=session.programme.organisation_id,
        summary=f"Session moved from {previous:%Y-%m-%d %H:%M}Z "
        f"to {slot.starts_at:%Y-%m-%d %H:%M}Z",
        details={
            "by": session.role_of(actor),
            **words_given(reason=reason),
            "inside_notice": late,
        },
    )
    _notify(session, "rescheduled", reason, previous=(previous, previous_end))
    return session


def _inside_notice(session: Session, when: datetime.datetime) -> bool:
    notice = datetime.timedelta(hours=session.programme.late_cancellation_hours)
    return session.starts_at - when < notice


def is_late_cancellation(session: Session, when: datetime.datetime) -> bool:
    """Whether cancelling at `when` is late: inside the programme's notice period, or
    the session was moved when it already was (the late flag follows the session)."""
    return session.moved_late or _inside_notice(session, when)


def is_late_move(session: Session, actor, when: datetime.datetime) -> bool:
    """Whether the supervisee moving the session at `when` is inside its notice period.

    A supervisor's move is theirs to make and never counts against the supervisee.
    """
    return session.role_of(actor) == "supervisee" and _inside_notice(session, when)


def late_move_refusal(session: Session) -> str:
    """Why a programme that refuses late moves refuses this one (the service and the page)."""
    return _(
        "This session starts within %(hours)s hours, inside the programme's notice "
        "period, so it can no longer be moved. You can still cancel it, which "
        "counts as a late cancellation."
    ) % {"hours": session.programme.late_cancellation_hours}


@transaction.atomic
def session_cancel(*, actor, session: Session, reason: str) -> Session:
    """Cancel a booked session. Late cancellations by the supervisee are flagged."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.BOOKED:
        raise BookingRefused(_("This session is not booked, so it cannot be cancelled."))
    now = timezone.now()
    by = session.role_of(actor)
    session.status = Session.Status.CANCELLED
    session.cancelled_by = by
    session.cancelled_at = now
    session.cancellation_reason = reason
    session.late_cancellation = by == Session.CancelledBy.SUPERVISEE and is_late_cancellation(
        session, now
    )
    session.sequence += 1
    session.save()
    commitments_release(session=session)
    audit_log(
        actor=actor,
        action="session.cancelled",
        target=session,
        organisation_id=session.programme.organisation_id,
        summary=f"Session cancelled by the {by}" + (" (late)" if session.late_cancellation else ""),
        details=words_given(reason=reason),
    )
    _notify(session, "cancelled", reason)
    return session


ATTENDANCE_CHOICES = (
    (Session.Status.ATTENDED, _("Attended")),
    (Session.Status.DID_NOT_ATTEND, _("Did not attend")),
)


@transaction.atomic
def session_log(
    *,
    actor,
    session: Session,
    attendance: str,
    actual_minutes: int | None,
    functions: list[str],
    themes,
    agreed_actions: str,
    escalated: bool,
    escalated_on: datetime.date | None,
    escalated_to: str,
) -> SessionRecord:
    """The supervisor records what happened. The supervisee is asked to confirm."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if actor.pk != session.supervisor_id:
        raise ValidationError(_("Only the supervisor logs a session."))
    if session.status == Session.Status.CANCELLED:
        raise ValidationError(_("A cancelled session cannot be logged."))
    if session.starts_at > timezone.now():
        raise ValidationError(_("A session can be logged once it has started."))
    if attendance not in dict(ATTENDANCE_CHOICES):
        raise ValidationError(_("Choose whether the session was attended."))
    if set(functions) - set(SupervisionFunction.values):
        raise ValidationError(_("Choose functions from the list."))
    if escalated:
        refuse_future_date(
            escalated_on,
            field="escalated_on",
            message=_("The date the concern was escalated must be today or in the past"),
            time_zone=session.programme.organisation.time_zone,
        )
    attended = attendance == Session.Status.ATTENDED
    record, created = SessionRecord.objects.get_or_create(
        session=session, defaults={"logged_by": actor}
    )
    record.actual_minutes = actual_minutes if attended else None
    record.functions = list(functions) if attended else []
    record.agreed_actions = agreed_actions if attended else ""
    record.escalated = escalated
    record.escalated_on = escalated_on if escalated else None
    record.escalated_to = escalated_to if escalated else ""
    record.supervisee_confirmed_at = None  # a changed record is confirmed again
    record.full_clean(exclude=["session"])
    record.save()
    # The session before its record's themes: saving it marks the supervisee's
    # session and theme roll-ups stale in one statement, and the themes' change
    # then finds them marked (reports.services.rollups_mark_stale).
    session.status = attendance
    session.save(update_fields=["status", "updated_at"])
    if created:
        # A new record has no themes yet: its links are written in one statement.
        # set() would read the record's themes, then (as the roll-ups follow
        # m2m_changed) which of them are missing: two reads of an empty list. The
        # session's save above has marked the supervisee's theme roll-ups stale.
        links = SessionRecord.themes.through
        links.objects.bulk_create(
            links(sessionrecord=record, theme_id=getattr(theme, "pk", theme))
            for theme in dict.fromkeys(themes if attended else [])
        )
    else:
        record.themes.set(themes if attended else [])
    audit_log(
        actor=actor,
        action="session.logged" if created else "session.record_changed",
        target=session,
        organisation_id=session.programme.organisation_id,
        summary=f"Session logged as {session.get_status_display().lower()}",
    )
    _notify(session, "logged")
    return record


@transaction.atomic
def session_confirm(*, actor, session: Session, comment: str) -> SessionRecord:
    """The supervisee adds a comment and confirms the shared record."""
    if actor.pk != session.supervisee_id:
        raise ValidationError(_("Only the supervisee confirms a session record."))
    record = SessionRecord.objects.select_for_update().filter(session=session).first()
    if record is None:
        raise ValidationError(_("Your supervisor has not logged this session yet."))
    record.supervisee_comment = comment
    record.supervisee_confirmed_at = timezone.now()
    record.save(update_fields=["supervisee_comment", "supervisee_confirmed_at", "updated_at"])
    audit_log(
        actor=actor,
        action="session.confirmed",
        target=session,
        organisation_id=session.programme.organisation_id,
        summary="Session record confirmed by the supervisee",
    )
    return record
