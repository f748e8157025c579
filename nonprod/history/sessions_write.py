"""One-to-one sessions, written: the agreements behind them, the sessions, the
supervisor's records, feedback, and the time promised to sessions still to come."""

import datetime

from supervision.models import Agreement, Commitment, Session, SessionRecord

from .constants import (
    ACTIONS,
    AGREEMENT_ENDINGS,
    CANCEL_REASONS,
    CHUNK,
    CONFIRM_COMMENTS,
    DAY,
    ESCALATED_TO,
    HOUR,
    MINUTE,
)
from .feedback import session_feedback, write_feedback
from .plan import PlannedSession
from .state import History
from .writer import commitment_row


def write_agreements(h: History, org, pairs) -> None:
    """The agreement each pair accepted before their first session (ended, for
    demo supervisors' past supervisees)."""
    rng = h.rng
    rows = []
    for pair in pairs:
        first = min([s.created for s in pair.sessions] + [pair.joins])
        accepted = first - datetime.timedelta(hours=rng.uniform(24, 144))
        start_date = accepted.astimezone(org.zone).date()
        ended_at = ended_by = None
        if pair.history_only:
            last = max([s.end for s in pair.sessions] + [pair.joins])
            ended_at = min(last + rng.uniform(1, 10) * DAY, h.now - DAY)
            ended_by = rng.choice((pair.supervisor.user_id, pair.supervisee.user_id))
        rows.append(
            Agreement(
                programme=pair.programme.programme,
                supervisor_id=pair.supervisor.user_id,
                supervisee_id=pair.supervisee.user_id,
                start_date=start_date,
                review_date=start_date + 365 * DAY,
                supervisor_accepted_at=accepted,
                supervisee_accepted_at=accepted + datetime.timedelta(hours=rng.uniform(1, 20)),
                ended_at=ended_at,
                ended_by_id=ended_by,
                end_reason=rng.choice(AGREEMENT_ENDINGS) if ended_at else "",
                created_at=accepted - datetime.timedelta(hours=rng.uniform(1, 72)),
            )
        )
        # Accepted before the first booking; the supervisee's acceptance may follow
        # the supervisor's by some hours but still comes first.
        rows[-1].supervisee_accepted_at = min(rows[-1].supervisee_accepted_at, first - HOUR)
    for pair, row in zip(pairs, h.writer.add(Agreement, rows), strict=True):
        pair.agreement_id = row.pk


def write_sessions(h: History, org, planned) -> None:
    """The planned sessions in date order, a chunk at a time, with what follows each."""
    planned.sort(key=lambda s: s.start)
    for begin in range(0, len(planned), CHUNK):
        chunk = planned[begin : begin + CHUNK]
        ids = h.writer.rows(Session, (_session_row(h, s) for s in chunk), returning=True)
        records, record_themes, feedback, commitments = [], [], [], []
        for plan, pk in zip(chunk, ids, strict=True):
            people = (plan.pair.supervisor.user_id, plan.pair.supervisee.user_id)
            if plan.status == Session.Status.BOOKED and plan.end > h.now:
                commitments += [
                    commitment_row(u, plan.start, plan.end, session_id=pk) for u in people
                ]
            if plan.status in (Session.Status.ATTENDED, Session.Status.DID_NOT_ATTEND):
                record, themes = _record_row(h, org, plan, pk)
                records.append(record)
                record_themes.append(themes)
            response = session_feedback(h, plan, pk)
            if response is not None:
                feedback.append(response)
        record_ids = h.writer.rows(SessionRecord, records, returning=True)
        h.writer.links(SessionRecord.themes, record_ids, record_themes)
        write_feedback(h, feedback)
        h.writer.rows(Commitment, commitments)


def _session_row(h: History, s: PlannedSession) -> dict:
    """The session as booking, and cancelling or logging, left it."""
    pair, window = s.pair, s.window
    reasons = CANCEL_REASONS.get(s.by, [""])
    return {
        "uid": h.new_uuid(),
        "programme_id": pair.programme.programme.pk,
        "agreement_id": pair.agreement_id,
        "supervisor_id": pair.supervisor.user_id,
        "supervisee_id": pair.supervisee.user_id,
        "starts_at": s.start,
        "ends_at": s.end,
        "status": s.status,
        "cancelled_by": s.by,
        "cancelled_at": s.cancelled_at,
        "cancellation_reason": h.rng.choice(reasons) if s.by else "",
        "late_cancellation": s.late,
        "moved_late": False,
        "sequence": 1 if s.cancelled_at else 0,
        "mode": window.mode,
        "meeting_link": window.link,
        "location": window.location,
        "created_at": s.created,
        "updated_at": s.logged or s.cancelled_at or s.created,
    }


def _record_row(h: History, org, plan, session_id):
    """The supervisor's record of an attended or not-attended session, and its themes."""
    rng, now = h.rng, h.now
    attended = plan.status == Session.Status.ATTENDED
    escalated = attended and rng.random() < 0.02
    confirmed = None
    if attended and rng.random() < 0.65:
        confirmed = h.after(plan.logged, 30)
        confirmed = confirmed if confirmed < now else None
    minutes = (plan.end - plan.start) // MINUTE + rng.choice((-15, -10, -5, 0, 0, 0, 0, 5))
    record = {
        "session_id": session_id,
        "actual_minutes": max(15, minutes) if attended else None,
        "functions": h.functions() if attended else [],
        "agreed_actions": rng.choice(ACTIONS) if attended and rng.random() < 0.5 else "",
        "escalated": escalated,
        "escalated_on": plan.start.astimezone(org.zone).date() if escalated else None,
        "escalated_to": rng.choice(ESCALATED_TO) if escalated else "",
        "supervisee_comment": (
            rng.choice(CONFIRM_COMMENTS) if confirmed and rng.random() < 0.15 else ""
        ),
        "supervisee_confirmed_at": confirmed,
        "logged_by_id": plan.pair.supervisor.user_id,
        "logged_at": plan.logged,
        "updated_at": confirmed or plan.logged,
    }
    return record, h.themes(org, plan.start) if attended else []
