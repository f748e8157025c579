"""A Microsoft Teams meeting for a record (a one-to-one session, a group meeting): planned by a web
request, made, moved and cancelled by the app's Celery task (kernel.graph does the HTTP).

See kernel.graph for the calls. A create is a createOrGet by our externalId, so a
create retried after a worker died returns the meeting already made.
"""

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from ..graph import GraphError, graph_call, graph_time, graph_utc, meetings_path
from ..models import OnlineMeeting, Organisation
from ..records import record_type

logger = logging.getLogger(__name__)


# --- The meeting a record has ----------------------------------------------------


@dataclass(frozen=True)
class MeetingWanted:
    """What the app wants Graph to hold for a record, read from it at sync time."""

    subject: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    organiser: str
    live: bool  # False: the record is cancelled (or no longer online): cancel the meeting


def online_meeting_for(target) -> OnlineMeeting | None:
    return OnlineMeeting.objects.filter(
        target_type=record_type(target), target_id=target.pk
    ).first()


def online_meeting_links(targets) -> dict[int, str]:
    """{record id: its Teams join link} of the records (all of one type) whose meeting
    is made and not cancelled: one query, for a list or a calendar of many."""
    targets = list(targets)
    if not targets:
        return {}
    rows = (
        OnlineMeeting.objects.filter(
            target_type=record_type(targets[0]),
            target_id__in=[target.pk for target in targets],
        )
        .exclude(state=OnlineMeeting.State.CANCELLED)
        .exclude(join_url="")
    )
    return dict(rows.values_list("target_id", "join_url"))


def online_meeting_link(target, own_link: str) -> str:
    """The link a record gives: its Teams meeting's once made (and not cancelled), else
    `own_link`. The one rule, for sessions and group meetings alike."""
    return online_meeting_links([target]).get(target.pk) or own_link


def online_meeting_plan(*, target, organisation: Organisation) -> OnlineMeeting:
    """Mark the record's meeting as waiting for the worker (made if it has none).

    Call it inside the transaction that changed the record, then queue the
    app's sync task after the commit. A meeting cancelled before, wanted again,
    is a new meeting: a new externalId.
    """
    meeting, _created = OnlineMeeting.objects.select_for_update().get_or_create(
        target_type=record_type(target),
        target_id=target.pk,
        defaults={"organisation": organisation},
    )
    if meeting.state != OnlineMeeting.State.PENDING:
        meeting.state = OnlineMeeting.State.PENDING
        meeting.save(update_fields=["state", "updated_at"])
    return meeting


@dataclass(frozen=True)
class TeamsStatus:
    """Where a record's Teams meeting stands, for the page of who organises it."""

    state: str  # OnlineMeeting.State
    has_link: bool  # a Teams link exists (and still works, even if a move failed)
    error: str
    own_link: str  # what the record gives meanwhile: the supervisor's or group's own link
    can_retry: bool


def online_meeting_status(target, *, own_link: str, live: bool) -> TeamsStatus | None:
    """None when the record has no Teams meeting, or it is made and up to date.
    `live`: the record still wants one (booked or scheduled, online), so a failure
    may be tried again."""
    meeting = online_meeting_for(target)
    if meeting is None or meeting.state in (
        OnlineMeeting.State.CREATED,
        OnlineMeeting.State.CANCELLED,
    ):
        return None
    failed = meeting.state == OnlineMeeting.State.FAILED
    return TeamsStatus(
        state=meeting.state,
        has_link=bool(meeting.join_url),
        error=meeting.last_error,
        own_link=own_link,
        can_retry=failed and live,
    )


class TeamsRetryRefused(Exception):
    """Trying the Teams meeting again makes no sense now; the message says why."""


def online_meeting_failed(target) -> OnlineMeeting:
    """The record's failed Teams meeting, to try again; refused if it has not failed."""
    meeting = online_meeting_for(target)
    if meeting is None or meeting.state != OnlineMeeting.State.FAILED:
        raise TeamsRetryRefused(
            _("The Teams meeting has not failed, so there is nothing to retry.")
        )
    return meeting


def online_meeting_retry(meeting: OnlineMeeting) -> OnlineMeeting:
    """A person asked to try again: start the count afresh (the app queues its task)."""
    OnlineMeeting.objects.filter(pk=meeting.pk).update(
        state=OnlineMeeting.State.PENDING, attempts=0
    )
    meeting.refresh_from_db()
    return meeting


def online_meeting_sync_for(target, wanted: MeetingWanted, *, final: bool) -> str:
    """The sync task's body for a record: make Graph hold `wanted`.

    A failed meeting stays failed (and its people told once) until a change or
    a retry plans it again: a redelivered task does not try, fail and tell again.
    """
    meeting = online_meeting_for(target)
    if meeting is None or meeting.state == OnlineMeeting.State.FAILED:
        return "unchanged"
    return online_meeting_sync(meeting.pk, wanted, final=final)


def online_meeting_sync(meeting_id: int, wanted: MeetingWanted, *, final: bool) -> str:
    """Make Graph hold what `wanted` says; returns what happened, in one word.

    "created" (a join link arrived), "updated", "cancelled", "unchanged",
    "retry" (a failure Graph may recover from, and tries are left) or
    "failed" (the meeting is marked failed, with the reason in words).
    The row is locked while Graph is called, so two syncs of one meeting take
    turns and the second finds the first's work done.
    """
    with transaction.atomic():
        meeting = OnlineMeeting.objects.select_for_update().get(pk=meeting_id)
        try:
            outcome = _apply(meeting, wanted)
        except GraphError as error:
            meeting.attempts += 1
            meeting.last_error = str(error)[:500]
            retry = error.transient and not final
            if not retry:
                meeting.state = OnlineMeeting.State.FAILED
            meeting.save()
            logger.warning(
                "Teams meeting %s: %s (%s)",
                meeting.pk,
                "will retry" if retry else "failed",
                error,
            )
            return "retry" if retry else "failed"
        meeting.attempts = 0
        meeting.last_error = ""
        meeting.save()
        return outcome


def _apply(meeting: OnlineMeeting, wanted: MeetingWanted) -> str:
    if not wanted.live:
        if not meeting.graph_id:
            changed = meeting.state != OnlineMeeting.State.CANCELLED
            meeting.state = OnlineMeeting.State.CANCELLED
            return "cancelled" if changed else "unchanged"
        try:
            graph_call("DELETE", meetings_path(meeting.organiser, meeting.graph_id))
        except GraphError as error:
            if error.status != 404:  # already gone: what we wanted
                raise
        # Wanted again later (moved back online): a new meeting, under a new externalId.
        meeting.external_id = uuid.uuid4()
        meeting.graph_id = meeting.join_url = ""
        meeting.state = OnlineMeeting.State.CANCELLED
        return "cancelled"
    outcome = "unchanged"
    if not meeting.graph_id:
        meeting.organiser = wanted.organiser
        _status, data = graph_call(
            "POST",
            meetings_path(wanted.organiser) + "/createOrGet",
            {
                "externalId": str(meeting.external_id),
                "subject": wanted.subject,
                "startDateTime": graph_utc(wanted.starts_at),
                "endDateTime": graph_utc(wanted.ends_at),
            },
        )
        join_url = data.get("joinWebUrl") or data.get("joinUrl") or ""
        if not data.get("id") or not join_url.startswith("https://"):
            raise GraphError(_("Microsoft Graph made no meeting link."), transient=True)
        meeting.graph_id, meeting.join_url = str(data["id"]), join_url
        meeting.synced_starts_at = graph_time(data.get("startDateTime"))
        meeting.synced_ends_at = graph_time(data.get("endDateTime"))
        meeting.synced_subject = str(data.get("subject") or "")[:255]
        outcome = "created"
    if (meeting.synced_starts_at, meeting.synced_ends_at, meeting.synced_subject) != (
        wanted.starts_at,
        wanted.ends_at,
        wanted.subject,
    ):
        # Moved (or a createOrGet found the meeting made before a move): PATCH it.
        graph_call(
            "PATCH",
            meetings_path(meeting.organiser, meeting.graph_id),
            {
                "subject": wanted.subject,
                "startDateTime": graph_utc(wanted.starts_at),
                "endDateTime": graph_utc(wanted.ends_at),
            },
        )
        meeting.synced_starts_at, meeting.synced_ends_at = wanted.starts_at, wanted.ends_at
        meeting.synced_subject = wanted.subject
        outcome = "created" if outcome == "created" else "updated"
    meeting.state = OnlineMeeting.State.CREATED
    return outcome
