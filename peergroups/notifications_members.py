"""What a group tells its people when their place, its schedule or the group itself changes.

Each is one notification per person per change, through the outbox (email and
in-app, once), rendered when it is sent: a decision overtaken by a later one
(put on the waiting list, then offered a place) is not sent stale. Messages
that change what someone's calendar holds carry their copy of the group's
series (peergroups.services.series), built when the change is made and kept
with the message, so each tells of its own change with its own SEQUENCE.
"""

import datetime

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import registry
from notifications.services import dispatch_soon, notification_schedule, notifications_supersede

from .models import Group, GroupSession, Membership
from .notifications_groups import _message, _person, calendar_frozen, calendar_of, meeting_when
from .recurrence import group_rhythm
from .services.groups import waiting_position
from .services.series import current_series, series_attachments, window_for

UPCOMING_LISTED = 6

# Why a group message goes to someone (payload "change").
SCHEDULE = "schedule"  # the schedule, place or link changed
NOW_FACILITATING = "facilitating"
NO_LONGER_FACILITATING = "no_longer_facilitating"


def upcoming_when(group: Group, after=None) -> list[str]:
    """The group's next meetings, in words, in its organisation's zone."""
    after = max(after or timezone.now(), timezone.now())
    meetings = group.sessions.filter(
        status=GroupSession.Status.SCHEDULED, starts_at__gt=after
    ).order_by("starts_at")[:UPCOMING_LISTED]
    for meeting in meetings:
        meeting.group = group
    return [meeting_when(meeting) for meeting in meetings]


def _membership(notification, state) -> Membership | None:
    """The place the notification is about, if it is still in `state` (else stale)."""
    return (
        Membership.objects.select_related("group__organisation")
        .filter(pk=notification.target_id, state=state)
        .first()
    )


def _group(notification) -> Group | None:
    return Group.objects.select_related("organisation").filter(pk=notification.target_id).first()


def _calendar(group, recipient, series_ids=None, **window) -> list:
    ids = series_ids if series_ids is not None else [current_series(group).pk]
    return series_attachments(group, recipient, ids, window_for(group, recipient, **window))


def _calendar_then(group, recipient, payload: dict) -> list:
    """The recipient's copy of the group's calendar for this message, as it is now
    (when the change is made, to freeze; or when sent, for a message without one)."""
    until = payload.get("until")
    window = {"facilitated_until": datetime.datetime.fromisoformat(until)} if until else {}
    return _calendar(group, recipient, payload.get("series"), **window)


def _attachments(notification, group) -> list:
    return calendar_of(
        notification, lambda: _calendar_then(group, notification.recipient, notification.payload)
    )


def _context(group) -> dict:
    return {"rhythm": group_rhythm(group)}


def _joined(notification):
    membership = _membership(notification, Membership.State.ACTIVE)
    if membership is None:
        return None
    group = membership.group
    return _message(
        group,
        _("You are now a member of %(group)s") % {"group": group.name},
        "joined",
        group.get_absolute_url(),
        attachments=_attachments(notification, group),
        upcoming=upcoming_when(group, membership.joined_at),
        **_context(group),
    )


def _waiting(notification):
    membership = _membership(notification, Membership.State.WAITING)
    if membership is None:
        return None
    group = membership.group
    return _message(
        group,
        _("You are on the waiting list for %(group)s") % {"group": group.name},
        "waiting",
        group.get_absolute_url(),
        position=waiting_position(membership),
        offer_hours=group.offer_hours,
        **_context(group),
    )


def _removed(notification):
    membership = _membership(notification, Membership.State.REMOVED)
    if membership is None:
        return None
    group = membership.group
    was = notification.payload.get("was", Membership.State.ACTIVE)
    subjects = {
        Membership.State.REQUESTED: _("Your request to join %(group)s"),
        Membership.State.WAITING: _("You are no longer on the waiting list for %(group)s"),
        Membership.State.OFFERED: _("The place offered to you in %(group)s"),
    }
    subject = subjects.get(was, _("You are no longer a member of %(group)s"))
    return _message(
        group,
        subject % {"group": group.name},
        "removed",
        reverse("peergroups:groups"),
        attachments=_attachments(notification, group),
        was=was,
        reason=membership.reason,
    )


def _left(notification):
    membership = _membership(notification, Membership.State.LEFT)
    if membership is None:
        return None
    group = membership.group
    return _message(
        group,
        _("You have left %(group)s") % {"group": group.name},
        "left",
        reverse("peergroups:groups"),
        attachments=_attachments(notification, group),
    )


def _changed(notification):
    group = _group(notification)
    if group is None or not group.is_active:
        return None  # closed since: the closing message says what happens now
    change = notification.payload.get("change", SCHEDULE)
    subjects = {
        SCHEDULE: _("%(group)s: new dates and times"),
        NOW_FACILITATING: _("You now facilitate %(group)s"),
        NO_LONGER_FACILITATING: _("You no longer facilitate %(group)s"),
    }
    return _message(
        group,
        subjects[change] % {"group": group.name},
        "changed",
        group.get_absolute_url(),
        attachments=_attachments(notification, group),
        change=change,
        upcoming=upcoming_when(group),
        **_context(group),
    )


def _closed(notification):
    group = _group(notification)
    if group is None or group.is_active:
        return None
    return _message(
        group,
        _("%(group)s has closed") % {"group": group.name},
        "closed",
        reverse("peergroups:groups"),
        attachments=_attachments(notification, group),
        reason=group.closed_reason,
        member=notification.payload.get("member", True),
    )


KINDS = [
    registry.Kind("group_joined", _("You join a group"), _joined, optional=False),
    registry.Kind("group_waiting", _("You are put on a group's waiting list"), _waiting),
    registry.Kind("group_removed", _("Your place in a group ends"), _removed, optional=False),
    registry.Kind("group_left", _("You leave a group"), _left, optional=False),
    registry.Kind(
        "group_changed",
        _("A group's dates, times or place change"),
        _changed,
        prompt=False,
        optional=False,
    ),
    registry.Kind("group_closed", _("A group closes"), _closed, prompt=False, optional=False),
]


# --- Scheduling (called inside the services' transactions) ---------------------------


# The messages that carry the recipient's copy of the group's calendar.
WITH_CALENDAR = ("group_joined", "group_removed", "group_left", "group_changed", "group_closed")


def _tell(user_id, kind, target, group, payload=None) -> None:
    payload = payload or {}
    recipient = _person(user_id)
    if kind in WITH_CALENDAR:
        recipient = get_user_model().objects.get(pk=user_id)
        payload = {
            **payload,
            "calendar": calendar_frozen(_calendar_then(group, recipient, payload)),
        }
    notification_schedule(
        recipient=recipient,
        kind=kind,
        target=target,
        due_at=timezone.now(),
        organisation_id=group.organisation_id,
        payload=payload,
        time_zone=group.organisation.time_zone,
    )


def membership_changed(membership: Membership, kind: str, **payload) -> None:
    """Tell the person whose place it is: joined, waiting, removed or left."""
    _tell(membership.user_id, kind, membership, membership.group, payload)
    dispatch_soon()


def group_changed(group: Group, *, series, people, added=(), removed=(), now=None) -> None:
    """One message each: `people` (the group's facilitators and members) about a change
    of schedule or place, `added` and `removed` facilitators about theirs."""
    now = now or timezone.now()
    ids = [item.pk for item in series]
    for user_id in people:
        if user_id not in added:
            _tell(user_id, "group_changed", group, group, _schedule_change(group, user_id, ids))
    for user_id in added:
        _tell(user_id, "group_changed", group, group, {"change": NOW_FACILITATING, "series": ids})
    for user_id in removed:
        payload = {"change": NO_LONGER_FACILITATING, "series": ids, "until": now.isoformat()}
        _tell(user_id, "group_changed", group, group, payload)
    dispatch_soon()


def _schedule_change(group: Group, user_id: int, ids: list[int]) -> dict:
    """A change of schedule replaces the person's earlier one that has not gone yet;
    it then carries the series that one did too (one may have ended there)."""
    earlier = notifications_supersede(
        recipient=_person(user_id),
        target=group,
        kinds=["group_changed"],
        matching=lambda payload: payload.get("change", SCHEDULE) == SCHEDULE,
    )
    carried = [pk for payload in earlier.payloads for pk in payload.get("series", [])]
    return {"change": SCHEDULE, "series": list(dict.fromkeys([*carried, *ids]))}


def group_closed(group: Group, *, series, people, others=()) -> None:
    """One message each to the group's people, and to those who were waiting for a place."""
    ids = [item.pk for item in series]
    for user_id in people:
        _tell(user_id, "group_closed", group, group, {"series": ids})
    for user_id in others:
        _tell(user_id, "group_closed", group, group, {"series": [], "member": False})
    dispatch_soon()
