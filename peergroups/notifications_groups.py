"""The notifications groups send, their calendar invites, and when they are planned.

Which group, when, where, and a link; nothing said in a group. The reason a
meeting moved waits in the outbox's payload, encrypted, until it is sent.
People's calendars hold a group as a series (peergroups.services.series): a
meeting moved or cancelled on its own goes out as that series again, with the
meeting as its exception and a higher SEQUENCE.
"""

import copy
import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.dates import format_moment, format_when, hours_ahead
from notifications import registry
from notifications.services import (
    dispatch_soon,
    notification_schedule,
    notifications_cancel,
    notifications_supersede,
)

from .models import Attendance, Group, GroupSeries, GroupSession, Membership
from .recurrence import group_rhythm
from .services.series import series_attachments, series_of_meeting, series_touch, window_for
from .services.teams import group_meeting_link, teams_status

REMINDER_HOURS = (24, 1)
# The templates are notifications/emails/group_<kind>.txt and .html.
EMAILS = "group_"


def meeting_when(meeting) -> str:
    return format_when(meeting.starts_at, meeting.ends_at, meeting.group.organisation.time_zone)


def _meeting(notification) -> GroupSession | None:
    return (
        GroupSession.objects.select_related("group__organisation")
        .filter(pk=notification.target_id)
        .first()
    )


def _takes_part(user_id: int, group: Group) -> bool:
    return (
        group.facilitators.filter(pk=user_id).exists()
        or group.memberships.filter(user_id=user_id, state=Membership.State.ACTIVE).exists()
    )


def _message(group, subject, template, url, attachments=(), **context) -> registry.Message:
    return registry.Message(
        subject=str(subject),
        template=EMAILS + template,
        context={"group": group, "time_zone": group.organisation.time_zone, **context},
        organisation_name=group.organisation.name,
        url=url,
        attachments=list(attachments),
    )


def _reminder(notification):
    meeting = _meeting(notification)
    if meeting is None or meeting.status != GroupSession.Status.SCHEDULED:
        return None
    hours = notification.payload.get("hours", 24)
    # A reminder for a time the meeting no longer has, or for someone who left, is stale.
    if meeting.starts_at - datetime.timedelta(hours=hours) != notification.due_at:
        return None
    if not _takes_part(notification.recipient_id, meeting.group):
        return None
    subject = _("Reminder: %(group)s %(when)s") % {
        "group": meeting.group.name,
        "when": hours_ahead(hours),
    }
    return _message(
        meeting.group,
        subject,
        "reminder",
        meeting.get_absolute_url(),
        meeting=meeting,
        when=meeting_when(meeting),
        join_link=group_meeting_link(meeting),
    )


def _place_offered(notification):
    membership = (
        Membership.objects.select_related("group__organisation")
        .filter(pk=notification.target_id)
        .first()
    )
    if membership is None or membership.state != Membership.State.OFFERED:
        return None
    group = membership.group
    deadline = format_moment(membership.offer_expires_at, group.organisation.time_zone)
    from django.urls import reverse

    return _message(
        group,
        _("A place in %(group)s is yours if you want it") % {"group": group.name},
        "place_offered",
        reverse("peergroups:group_offer", kwargs={"pk": group.pk}),
        deadline=deadline,
        rhythm=group_rhythm(group),
    )


def _absence_flag(notification):
    membership = (
        Membership.objects.select_related("group__organisation", "user")
        .filter(pk=notification.target_id)
        .first()
    )
    if membership is None or membership.state != Membership.State.ACTIVE:
        return None
    group = membership.group
    return _message(
        group,
        _("A member of %(group)s has missed several meetings") % {"group": group.name},
        "absence_flag",
        group.get_absolute_url(),
        missed=notification.payload.get("missed", group.absence_threshold),
    )


# --- Invites frozen when the change is made ------------------------------------------
# A message that changes someone's calendar carries their copy of the series as
# the change left it (its SEQUENCE, its meetings, DTSTAMP the moment of the
# change), built then and kept, encrypted, in the outbox until it is sent: a
# later change is a later message with a higher SEQUENCE, never the same one twice.


def calendar_frozen(files) -> list[list[str]]:
    """Invite attachments, as the outbox's payload keeps them."""
    return [[name, content.decode(), mimetype] for name, content, mimetype in files]


def calendar_of(notification, live) -> list:
    """The attachments frozen into the notification; `live()` for one planned
    before invites were frozen."""
    frozen = notification.payload.get("calendar")
    if frozen is None:
        return live()
    return [(name, text.encode(), mimetype) for name, text, mimetype in frozen]


def _meeting_as_changed(meeting, payload):
    """The meeting at the time the change was made (frozen into the payload)."""
    if "starts_at" not in payload:
        return meeting
    then = copy.copy(meeting)
    then.starts_at = datetime.datetime.fromisoformat(payload["starts_at"])
    then.ends_at = datetime.datetime.fromisoformat(payload["ends_at"])
    return then


def _meeting_changed(notification):
    meeting = _meeting(notification)
    if meeting is None:
        return None
    payload = notification.payload
    cancel = payload.get("cancelled", meeting.status == GroupSession.Status.CANCELLED)
    meeting = _meeting_as_changed(meeting, payload)
    group, recipient = meeting.group, notification.recipient
    calendar = calendar_of(
        notification,
        lambda: series_attachments(
            group, recipient, [series_of_meeting(meeting).pk], window_for(group, recipient)
        ),
    )
    subject = _("%(group)s: meeting cancelled") if cancel else _("%(group)s: meeting moved")
    return _message(
        meeting.group,
        subject % {"group": meeting.group.name},
        "meeting_changed",
        meeting.get_absolute_url(),
        attachments=calendar,
        meeting=meeting,
        when=meeting_when(meeting),
        join_link=group_meeting_link(meeting),
        cancelled=cancel,
        reason=notification.payload.get("reason", ""),
    )


def _feedback_prompt(notification):
    """How did the meeting go? For someone marked present, once the meeting has ended."""
    meeting = _meeting(notification)
    if meeting is None or meeting.status == GroupSession.Status.CANCELLED:
        return None
    # Marked present when the register was taken, and still so now.
    if not Attendance.objects.filter(
        session=meeting, user_id=notification.recipient_id, status=Attendance.Status.PRESENT
    ).exists():
        return None
    from django.urls import reverse

    return _message(
        meeting.group,
        _("How was %(group)s?") % {"group": meeting.group.name},
        "feedback_prompt",
        reverse("feedback:give_meeting", args=[meeting.pk]),
        meeting=meeting,
        when=meeting_when(meeting),
    )


def _teams_link(notification):
    """The group's meetings have Teams links now: their calendar copy, with each link."""
    series = (
        GroupSeries.objects.select_related("group__organisation")
        .filter(pk=notification.target_id)
        .first()
    )
    if series is None or not series.group.is_active:
        return None
    group = series.group
    meetings = GroupSession.objects.filter(pk__in=notification.payload.get("meetings", []))
    when = [meeting_when(meeting) for meeting in meetings.select_related("group__organisation")]
    return _message(
        group,
        _("%(group)s: Microsoft Teams links for your meetings") % {"group": group.name},
        "teams_link",
        group.get_absolute_url(),
        attachments=calendar_of(notification, list),
        meetings=when,
    )


def _teams_failed(notification):
    meeting = _meeting(notification)
    status = teams_status(meeting) if meeting is not None else None
    if meeting is None or status is None or status.state != "failed":
        return None
    return _message(
        meeting.group,
        _("%(group)s: we could not make the Microsoft Teams meeting for %(when)s")
        % {"group": meeting.group.name, "when": meeting_when(meeting)},
        "teams_failed",
        meeting.get_absolute_url(),
        meeting=meeting,
        when=meeting_when(meeting),
        teams=status,
    )


KINDS = [
    registry.Kind(
        "group_reminder",
        _("Reminders before a group meeting"),
        _reminder,
        prompt=False,
        optional=False,
    ),
    registry.Kind(
        "group_place_offered",
        _("A place in a group is offered to you"),
        _place_offered,
        prompt=False,
        optional=False,
    ),
    registry.Kind(
        "group_absence_flag",
        _("A group member has missed meetings (facilitators)"),
        _absence_flag,
    ),
    registry.Kind(
        "group_feedback_prompt", _("Asking for feedback after a group meeting"), _feedback_prompt
    ),
    registry.Kind(
        "group_meeting_changed",
        _("A group meeting is moved or cancelled"),
        _meeting_changed,
        prompt=False,
        optional=False,
    ),
    registry.Kind(
        "group_teams_link",
        _("A group's meetings have Microsoft Teams links"),
        _teams_link,
        prompt=False,
        optional=False,
    ),
    registry.Kind(
        "group_teams_failed",
        _("A group meeting's Microsoft Teams meeting could not be made (facilitators)"),
        _teams_failed,
        prompt=False,
        optional=False,
    ),
]


# --- Scheduling (called inside the services' transactions) ---------------------------


def _person(user_id):
    return get_user_model()(pk=user_id)


def plan_reminders(meeting: GroupSession, user_ids, now) -> None:
    """Reminders 24 hours and 1 hour before the meeting, for each person given."""
    organisation = meeting.group.organisation
    for hours in REMINDER_HOURS:
        due = meeting.starts_at - datetime.timedelta(hours=hours)
        if due <= now:
            continue
        for user_id in user_ids:
            notification_schedule(
                recipient=_person(user_id),
                kind="group_reminder",
                target=meeting,
                due_at=due,
                organisation_id=organisation.pk,
                payload={"hours": hours},
                time_zone=organisation.time_zone,
            )


def _everyone(group) -> list[int]:
    return [
        *group.facilitators.values_list("pk", flat=True),
        *group.memberships.filter(state=Membership.State.ACTIVE).values_list("user_id", flat=True),
    ]


def reminders_replan(meeting: GroupSession, now=None) -> list[int]:
    """Drop a meeting's reminders and plan them again at its time, if it is still on.

    Returns the ids of the people it concerns (its facilitators and members)."""
    now = now or timezone.now()
    people = _everyone(meeting.group)
    notifications_cancel(target=meeting, kinds=["group_reminder"])
    if meeting.status == GroupSession.Status.SCHEDULED:
        plan_reminders(meeting, people, now)
    return people


def meeting_changed(meeting: GroupSession, reason: str = "") -> None:
    """Send everyone the updated invite, and re-plan (or drop) the reminders.

    Each person's message replaces their earlier one about this meeting that has
    not gone yet (moved, then cancelled: only the cancellation goes)."""
    now = timezone.now()
    group = meeting.group
    people = reminders_replan(meeting, now)
    series = series_of_meeting(meeting)
    change = {
        "sequence": meeting.sequence,
        "cancelled": meeting.status == GroupSession.Status.CANCELLED,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
    }
    for person in get_user_model().objects.filter(pk__in=people):
        notifications_supersede(recipient=person, target=meeting, kinds=["group_meeting_changed"])
        calendar = series_attachments(group, person, [series.pk], window_for(group, person))
        notification_schedule(
            recipient=person,
            kind="group_meeting_changed",
            target=meeting,
            due_at=now,
            organisation_id=group.organisation_id,
            payload={"reason": reason, **change, "calendar": calendar_frozen(calendar)},
            time_zone=group.organisation.time_zone,
        )
    dispatch_soon()


def place_offered(membership: Membership) -> None:
    if membership.offer_expires_at is None:
        raise ValueError("An offered place has a time its offer expires.")
    group = membership.group
    notification_schedule(
        recipient=_person(membership.user_id),
        kind="group_place_offered",
        target=membership,
        due_at=timezone.now(),
        organisation_id=group.organisation_id,
        payload={"expires_at": membership.offer_expires_at.isoformat()},
        time_zone=group.organisation.time_zone,
    )
    dispatch_soon()


def absence_flagged(group: Group, user_id: int, missed: int) -> None:
    """Tell the facilitators; the member's name is in the app, behind sign-in."""
    membership = group.memberships.filter(user_id=user_id, state=Membership.State.ACTIVE).first()
    if membership is None:
        return
    now = timezone.now()
    for facilitator_id in group.facilitators.values_list("pk", flat=True):
        notification_schedule(
            recipient=_person(facilitator_id),
            kind="group_absence_flag",
            target=membership,
            due_at=now,
            organisation_id=group.organisation_id,
            payload={"missed": missed},
            time_zone=group.organisation.time_zone,
        )
    dispatch_soon()


def feedback_prompts(meeting: GroupSession, user_ids) -> None:
    """Ask each person marked present how the meeting went: once, when it has ended.

    Due at the meeting's end, so taking the register again (or late) never asks
    twice: the outbox keeps one notification per person, kind, meeting and time.
    """
    group = meeting.group
    for user_id in user_ids:
        notification_schedule(
            recipient=_person(user_id),
            kind="group_feedback_prompt",
            target=meeting,
            due_at=meeting.ends_at,
            organisation_id=group.organisation_id,
            time_zone=group.organisation.time_zone,
        )
    if meeting.ends_at <= timezone.now():
        dispatch_soon()


def teams_link_ready(meeting: GroupSession) -> None:
    """A meeting's Teams link arrived: each person gets one update with their calendar
    copy carrying it. Links that arrive together (a new group's meetings) wait a
    little and go as one message: each replaces the one not yet sent."""
    from kernel.graph import LINK_WAIT

    now = timezone.now()
    group = meeting.group
    series = series_touch(series_of_meeting(meeting))
    for person in get_user_model().objects.filter(pk__in=_everyone(group)):
        window = window_for(group, person)
        if window is None:
            continue
        stale = notifications_supersede(recipient=person, target=series, kinds=["group_teams_link"])
        earlier = [
            meeting_id for payload in stale.payloads for meeting_id in payload.get("meetings", [])
        ]
        calendar = series_attachments(group, person, [series.pk], window)
        notification_schedule(
            recipient=person,
            kind="group_teams_link",
            target=series,
            due_at=now + LINK_WAIT,
            organisation_id=group.organisation_id,
            payload={
                "meetings": sorted({*earlier, meeting.pk}),
                "calendar": calendar_frozen(calendar),
            },
            time_zone=group.organisation.time_zone,
        )


def teams_meeting_failed(meeting: GroupSession) -> None:
    """Tell the facilitators, once per failure, that the Teams meeting could not be made
    or changed, and that the group's own link stands (the meeting's page offers a retry)."""
    group = meeting.group
    for facilitator_id in group.facilitators.values_list("pk", flat=True):
        notification_schedule(
            recipient=_person(facilitator_id),
            kind="group_teams_failed",
            target=meeting,
            due_at=timezone.now(),
            organisation_id=group.organisation_id,
            time_zone=group.organisation.time_zone,
        )
    dispatch_soon()
