"""A Microsoft Teams meeting for each online group meeting (kernel.services.teams).

The same OnlineMeeting rows, Graph client and retries as one-to-one sessions
(supervision.services.teams): generating, moving and cancelling a meeting (and
a group going in person, or online, or closing) call `meeting_teams_plan`
inside their transaction; it marks the work and queues
`sync_group_meeting_teams` after the commit, so no web request waits for
Graph. The organiser is the group's lead facilitator (the first, by account:
the one who organises its calendar series). Until a meeting's Teams link
exists, and if making it fails, the meeting gives the group's own link (the
one rule: `group_meeting_link`).
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
    online_meeting_links,
    online_meeting_plan,
    online_meeting_retry,
    online_meeting_status,
    online_meeting_sync_for,
)
from supervision.models import Mode
from supervision.services.teams import teams_organiser

from ..models import GroupSession


def _live(meeting: GroupSession) -> bool:
    """Whether the meeting should have a Teams meeting (if the organisation makes them)."""
    group = meeting.group
    return (
        meeting.status == GroupSession.Status.SCHEDULED
        and group.mode == Mode.ONLINE
        and group.is_active
    )


def group_meeting_link(meeting: GroupSession) -> str:
    """The link a group meeting gives: its Teams meeting's once made, else the group's own."""
    group = meeting.group
    if group.mode != Mode.ONLINE:
        return ""
    return online_meeting_link(meeting, group.meeting_link)


def group_meeting_links(meetings) -> dict[int, str]:
    """{meeting id: its Teams link} for the meetings that have one (one query)."""
    return online_meeting_links(meetings)


def with_join_links(meetings: list[GroupSession]) -> list[GroupSession]:
    """Set each meeting's `join_link` (as `group_meeting_link` gives it), in one query."""
    links = group_meeting_links(meetings)
    for meeting in meetings:
        online = meeting.group.mode == Mode.ONLINE
        meeting.join_link = (links.get(meeting.pk) or meeting.group.meeting_link) if online else ""
    return meetings


def meeting_teams_plan(meeting: GroupSession) -> None:
    """After a meeting is generated, moved or cancelled (or its group changed mode or
    closed): queue its Teams meeting's sync, if it has one or should."""
    from ..tasks import sync_group_meeting_teams

    group = meeting.group
    wanted = _live(meeting) and teams_wanted(group.organisation)
    if not wanted and online_meeting_for(meeting) is None:
        return
    online_meeting_plan(target=meeting, organisation=group.organisation)
    enqueue_after_commit(sync_group_meeting_teams, meeting.pk)


def _lead(meeting: GroupSession):
    return meeting.group.facilitators.select_related("supervisor_profile").order_by("pk").first()


def _wanted(meeting: GroupSession) -> MeetingWanted:
    group = meeting.group
    lead = _lead(meeting)
    return MeetingWanted(
        subject=f"{group.get_group_type_display()}: {group.name}"[:255],
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        organiser=teams_organiser(lead) if lead is not None else "",
        live=_live(meeting) and lead is not None,
    )


def meeting_teams_sync(meeting_id: int, *, final: bool) -> str:
    """Make Graph hold the group meeting as it now is (the task's body)."""
    meeting = (
        GroupSession.objects.select_related("group__organisation").filter(pk=meeting_id).first()
    )
    if meeting is None:
        return "unchanged"
    outcome = online_meeting_sync_for(meeting, _wanted(meeting), final=final)
    if outcome == "created":
        _link_arrived(meeting)
    elif outcome == "failed":
        _failed(meeting)
    return outcome


@transaction.atomic
def _link_arrived(meeting: GroupSession) -> None:
    """Tell the group's people, in one update per group however many links arrive
    together, and put the link in their calendars (peergroups.notifications_groups)."""
    from ..notifications_groups import teams_link_ready

    audit_log(
        actor=None,
        action="group.teams_meeting_created",
        target=meeting,
        organisation_id=meeting.group.organisation_id,
        summary="Microsoft Teams meeting created for the group meeting",
    )
    teams_link_ready(meeting)


@transaction.atomic
def _failed(meeting: GroupSession) -> None:
    from ..notifications_groups import teams_meeting_failed

    audit_log(
        actor=None,
        action="group.teams_meeting_failed",
        target=meeting,
        organisation_id=meeting.group.organisation_id,
        summary="Microsoft Teams meeting could not be made or changed; the group's link stands",
    )
    teams_meeting_failed(meeting)


def teams_status(meeting: GroupSession) -> TeamsStatus | None:
    """Where the meeting's Teams meeting stands, for its facilitators (None: nothing to say)."""
    return online_meeting_status(meeting, own_link=meeting.group.meeting_link, live=_live(meeting))


@transaction.atomic
def meeting_teams_retry(*, actor, meeting: GroupSession) -> OnlineMeeting:
    """A facilitator asks to try the failed Teams meeting again."""
    from ..tasks import sync_group_meeting_teams

    if not meeting.group.facilitators.filter(pk=actor.pk).exists():
        raise TeamsRetryRefused(_("Only the group's facilitators can try the Teams meeting again."))
    online = online_meeting_failed(meeting)
    if not _live(meeting):
        raise TeamsRetryRefused(
            _("Only a scheduled online meeting can have its Teams meeting made again.")
        )
    online = online_meeting_retry(online)
    audit_log(
        actor=actor,
        action="group.teams_meeting_retried",
        target=meeting,
        organisation_id=meeting.group.organisation_id,
        summary="Facilitator asked to try the Microsoft Teams meeting again",
    )
    enqueue_after_commit(sync_group_meeting_teams, meeting.pk)
    return online
