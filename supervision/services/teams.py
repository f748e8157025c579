"""A Microsoft Teams meeting for each online one-to-one session (kernel.services.teams).

Booking, moving and cancelling call `session_teams_plan` inside their
transaction; it only marks the work and queues `sync_session_teams_meeting`
after the commit, so the web request never waits for Graph. The task calls
`session_teams_sync`, which reads what the session now is and makes Graph
hold it. Until the Teams link exists, and if making it fails, the session
keeps the supervisor's own link (the one rule: `session_link`).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.graph import teams_wanted
from kernel.models import OnlineMeeting
from kernel.queueing import enqueue_after_commit
from kernel.services.teams import (
    MeetingWanted,
    TeamsRetryRefused,
    TeamsStatus,
    online_meeting_failed,
    online_meeting_for,
    online_meeting_link,
    online_meeting_plan,
    online_meeting_retry,
    online_meeting_status,
    online_meeting_sync_for,
)

from ..models import Mode, Session


def session_link(session: Session, *, mode: str, own_link: str) -> str:
    """The link a session held `mode`-wise gives: its Teams meeting's once made (online
    only), else the supervisor's own."""
    return online_meeting_link(session, own_link) if mode == Mode.ONLINE else own_link


def session_teams_plan(session: Session) -> bool:
    """After a booking, move or cancellation: queue the Teams meeting's sync, if it has one
    or should. Returns whether a Teams link is still to come (the booking email waits)."""
    from ..tasks import sync_session_teams_meeting

    meeting = online_meeting_for(session)
    wanted = (
        session.status == Session.Status.BOOKED
        and session.mode == Mode.ONLINE
        and teams_wanted(session.programme.organisation)
    )
    if meeting is None and not wanted:
        return False
    meeting = online_meeting_plan(target=session, organisation=session.programme.organisation)
    enqueue_after_commit(sync_session_teams_meeting, session.pk)
    return wanted and not meeting.join_url


def teams_organiser(supervisor) -> str:
    """The Microsoft 365 account that organises a supervisor's meetings: theirs, or their email."""
    profile = getattr(supervisor, "supervisor_profile", None)
    return (profile.teams_organiser if profile is not None else "") or supervisor.email


def _wanted(session: Session) -> MeetingWanted:
    return MeetingWanted(
        subject=f"Clinical supervision: {session.programme.name}"[:255],
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        organiser=teams_organiser(session.supervisor),
        live=session.status == Session.Status.BOOKED and session.mode == Mode.ONLINE,
    )


def session_teams_sync(session_id: int, *, final: bool) -> str:
    """Make Graph hold the session as it now is (the task's body); see kernel.services.teams."""
    session = (
        Session.objects.select_related(
            "programme__organisation", "supervisor__supervisor_profile", "supervisee"
        )
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        return "unchanged"
    outcome = online_meeting_sync_for(session, _wanted(session), final=final)
    if outcome == "created":
        _link_arrived(session_id)
    elif outcome == "failed":
        _failed(session_id)
    return outcome


@transaction.atomic
def _link_arrived(session_id: int) -> None:
    """Give the session its Teams link, and tell both people (one message each: an
    unsent booking email is replaced by one that carries the link)."""
    from ..notifications import session_changed

    session = Session.objects.select_for_update().select_related("programme").get(pk=session_id)
    meeting = online_meeting_for(session)
    if (
        meeting is None
        or not meeting.join_url
        or session.status != Session.Status.BOOKED
        or session.mode != Mode.ONLINE
        or session.meeting_link == meeting.join_url
    ):
        return
    session.meeting_link = meeting.join_url
    session.sequence += 1
    session.save(update_fields=["meeting_link", "sequence", "updated_at"])
    audit_log(
        actor=None,
        action="session.teams_meeting_created",
        target=session,
        organisation_id=session.programme.organisation_id,
        summary="Microsoft Teams meeting created for the session",
    )
    session_changed(session, "teams_link")


@transaction.atomic
def _failed(session_id: int) -> None:
    from ..notifications import teams_meeting_failed

    session = Session.objects.select_related("programme", "supervisor").get(pk=session_id)
    audit_log(
        actor=None,
        action="session.teams_meeting_failed",
        target=session,
        organisation_id=session.programme.organisation_id,
        summary="Microsoft Teams meeting could not be made or changed; the own link stands",
    )
    teams_meeting_failed(session)


def teams_status(session: Session) -> TeamsStatus | None:
    """Where the session's Teams meeting stands, for its supervisor (None: nothing to say)."""
    return online_meeting_status(
        session,
        own_link=session.meeting_link,
        live=session.status == Session.Status.BOOKED,
    )


@transaction.atomic
def session_teams_retry(*, actor, session: Session) -> OnlineMeeting:
    """The supervisor asks to try the failed Teams meeting again."""
    from ..tasks import sync_session_teams_meeting

    if actor.pk != session.supervisor_id:
        raise TeamsRetryRefused(_("Only the supervisor can try the Teams meeting again."))
    meeting = online_meeting_failed(session)
    if session.status != Session.Status.BOOKED:
        raise TeamsRetryRefused(_("Only a booked session can have its Teams meeting made again."))
    meeting = online_meeting_retry(meeting)
    audit_log(
        actor=actor,
        action="session.teams_meeting_retried",
        target=session,
        organisation_id=session.programme.organisation_id,
        summary="Supervisor asked to try the Microsoft Teams meeting again",
    )
    enqueue_after_commit(sync_session_teams_meeting, session.pk)
    return meeting
