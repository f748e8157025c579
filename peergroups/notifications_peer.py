"""The notifications peer support sends, and when (seed 001, TRiM-style follow-up).

Nothing confidential goes in any of them: never what happened, how to make
contact, the requester's note or check-in notes. Only that there is a
request, who supports whom, when something is due, and a link into the app,
where access is checked again.
"""

import datetime
import zoneinfo

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from kernel.models import Role, RoleGrant
from notifications import registry
from notifications.services import dispatch_soon, notification_schedule, notifications_cancel

from .models import SupportRequest

ASSIGNED = "support_assigned"
CHECKIN_DUE = "support_checkin_due"
REQUEST_NEW = "support_request_new"
# Prompts due on a date go out at this local time (quiet hours still apply).
PROMPT_TIME = datetime.time(9, 0)


def _request(notification) -> SupportRequest | None:
    return (
        SupportRequest.objects.select_related("organisation", "requester", "supporter")
        .filter(pk=notification.target_id)
        .first()
    )


def _local(moment: datetime.datetime, zone: str) -> str:
    return formats.date_format(timezone.localtime(moment, zoneinfo.ZoneInfo(zone)), "j F Y, H:i")


def _message(support_request, subject, template, url=None, **context) -> registry.Message:
    organisation = support_request.organisation
    return registry.Message(
        subject=str(subject),
        template=template,
        context={
            "first_contact_due": _local(support_request.first_contact_due, organisation.time_zone),
            "time_zone": organisation.time_zone,
            **context,
        },
        organisation_name=organisation.name,
        url=url or support_request.get_absolute_url(),
    )


def _assigned(notification):
    support_request = _request(notification)
    if (
        support_request is None
        or support_request.status != SupportRequest.Status.ASSIGNED
        or support_request.supporter_id != notification.payload.get("supporter_id")
        or support_request.supporter is None  # never, when assigned
    ):
        return None  # closed, or someone else has been asked since
    if notification.recipient_id == support_request.supporter_id:
        return _message(
            support_request,
            _("You have been asked to support a colleague"),
            "support_assigned_supporter",
        )
    return _message(
        support_request,
        _("Your peer supporter"),
        "support_assigned_requester",
        supporter_name=support_request.supporter.get_full_name(),
    )


def _checkin_due(notification):
    support_request = _request(notification)
    if (
        support_request is None
        or support_request.status != SupportRequest.Status.ASSIGNED
        or support_request.supporter_id != notification.recipient_id
        # A check-in logged since this prompt was planned answers it.
        or support_request.checkins.count() > notification.payload.get("checkins", 0)
    ):
        return None
    first = notification.payload.get("checkins", 0) == 0
    return _message(
        support_request,
        _("A peer-support first contact is due") if first else _("A peer-support check-in is due"),
        "support_checkin_due",
        first=first,
    )


def _request_new(notification):
    support_request = _request(notification)
    if support_request is None or support_request.status != SupportRequest.Status.NEW:
        return None
    return _message(
        support_request,
        _("A peer-support request is waiting for a supporter"),
        "support_request_new",
        url=reverse("peergroups:support_requests"),
    )


KINDS = [
    registry.Kind(
        ASSIGNED,
        _("A peer supporter is assigned"),
        _assigned,
        prompt=False,
        optional=False,
    ),
    registry.Kind(CHECKIN_DUE, _("Peer-support check-ins that are due"), _checkin_due),
    registry.Kind(
        REQUEST_NEW,
        _("Peer-support requests waiting for a supporter (coordinators)"),
        _request_new,
        prompt=False,
    ),
]


# --- Scheduling (called inside the services' transactions) --------------------------


def _schedule(support_request, recipient, kind, due_at, **payload):
    notification_schedule(
        recipient=recipient,
        kind=kind,
        target=support_request,
        due_at=due_at,
        organisation_id=support_request.organisation_id,
        payload=payload,
        time_zone=support_request.organisation.time_zone,
    )


def request_waiting(support_request: SupportRequest) -> None:
    """Tell the organisation's coordinators that a request needs a supporter."""
    coordinators = (
        RoleGrant.objects.filter(
            organisation_id=support_request.organisation_id,
            role=Role.PROGRAMME_ADMIN,
            user__is_active=True,
        )
        .exclude(user_id=support_request.requester_id)
        .select_related("user")
    )
    now = timezone.now()
    for grant in coordinators:
        _schedule(support_request, grant.user, REQUEST_NEW, now)
    dispatch_soon()


def supporter_assigned(support_request: SupportRequest) -> None:
    """Tell both people, and prompt the supporter when first contact is due."""
    now = timezone.now()
    notifications_cancel(target=support_request, kinds=[CHECKIN_DUE])
    payload = {"supporter_id": support_request.supporter_id}
    _schedule(support_request, support_request.supporter, ASSIGNED, now, **payload)
    _schedule(support_request, support_request.requester, ASSIGNED, now, **payload)
    _schedule(
        support_request,
        support_request.supporter,
        CHECKIN_DUE,
        max(support_request.first_contact_due, now),
        checkins=support_request.checkins.count(),
    )
    dispatch_soon()


def checkin_logged(support_request: SupportRequest, next_due: datetime.date | None) -> None:
    """Replace any pending prompt with one on the next check-in's date."""
    notifications_cancel(target=support_request, kinds=[CHECKIN_DUE])
    if next_due is not None:
        zone = zoneinfo.ZoneInfo(support_request.organisation.time_zone)
        _schedule(
            support_request,
            support_request.supporter,
            CHECKIN_DUE,
            datetime.datetime.combine(next_due, PROMPT_TIME, tzinfo=zone),
            checkins=support_request.checkins.count(),
        )


def request_closed(support_request: SupportRequest) -> None:
    notifications_cancel(target=support_request, kinds=[CHECKIN_DUE, REQUEST_NEW])
