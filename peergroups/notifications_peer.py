"""The notifications peer support sends, and when (seed 001, TRiM-style follow-up).

Nothing confidential goes in any of them: never what happened, how to make
contact, the requester's note or check-in notes. Only that there is a
request, who supports whom, when something is due, and a link into the app,
where access is checked again.

First contact: beat's scan (`schedule_first_contact_prompts`, every 15 minutes)
reminds the supporter a day before the deadline (half-way, for a deadline under
two days) and alerts the coordinators once it has passed with no first contact
recorded. Each is keyed on its due time, which the assignment fixes, so the
outbox's once-per-reason constraint sends each at most once per assignment.
"""

import datetime
import zoneinfo

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.dates import format_moment
from kernel.models import Role, RoleGrant
from notifications import registry
from notifications.services import dispatch_soon, notification_schedule, notifications_cancel

from .models import Outcome, SupportRequest

ASSIGNED = "support_assigned"
CHECKIN_DUE = "support_checkin_due"
REQUEST_NEW = "support_request_new"
FIRST_CONTACT_REMINDER = "support_first_contact_reminder"
FIRST_CONTACT_OVERDUE = "support_first_contact_overdue"
HANDED_BACK = "support_handed_back"
WITHDRAWN = "support_withdrawn"
CONTACT_CHANGED = "support_contact_changed"
CLOSED = "support_closed"
SAFETY_CONCERN = "support_safety_concern"
# What first contact's prompts are about; recording first contact answers both.
FIRST_CONTACT_KINDS = [FIRST_CONTACT_REMINDER, FIRST_CONTACT_OVERDUE]
REMINDER_LEAD = datetime.timedelta(hours=24)
# The scan looks this far back for deadlines it has not yet acted on (a beat that was down).
SCAN_LOOKBACK = datetime.timedelta(days=7)
# Prompts due on a date go out at this local time (quiet hours still apply).
PROMPT_TIME = datetime.time(9, 0)


def _request(notification) -> SupportRequest | None:
    return (
        SupportRequest.objects.select_related("organisation", "requester", "supporter")
        .filter(pk=notification.target_id)
        .first()
    )


def _local(moment: datetime.datetime, zone: str) -> str:
    return format_moment(moment, zone)


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


def first_contact_reminder_at(support_request: SupportRequest) -> datetime.datetime:
    """When the supporter is reminded: a day before the deadline, or half-way to a
    deadline less than two days after the assignment."""
    window = support_request.first_contact_due - (
        support_request.assigned_at or support_request.created_at
    )
    return support_request.first_contact_due - min(REMINDER_LEAD, window / 2)


def _waiting_for_first_contact(notification) -> SupportRequest | None:
    """The request, if the assignment this prompt was planned for still waits for
    first contact; else None."""
    support_request = _request(notification)
    if (
        support_request is None
        or support_request.status != SupportRequest.Status.ASSIGNED
        or support_request.first_contacted_on is not None
        or support_request.supporter is None  # never, when assigned
        or support_request.supporter_id != notification.payload.get("supporter_id")
    ):
        return None
    return support_request


def _first_contact_reminder(notification):
    support_request = _waiting_for_first_contact(notification)
    if (
        support_request is None
        or support_request.supporter_id != notification.recipient_id
        or first_contact_reminder_at(support_request) != notification.due_at
    ):
        return None
    return _message(
        support_request,
        _("Reminder: make first contact with the colleague you support"),
        "support_first_contact_reminder",
        url=reverse("peergroups:support_first_contact", args=[support_request.pk]),
    )


def _first_contact_overdue(notification):
    support_request = _waiting_for_first_contact(notification)
    if support_request is None or support_request.first_contact_due != notification.due_at:
        return None
    supporter = support_request.supporter
    return _message(
        support_request,
        _("Peer-support request %(number)s: first contact is overdue")
        % {"number": support_request.pk},
        "support_first_contact_overdue",
        number=support_request.pk,
        supporter_name=supporter.get_full_name() if supporter else "",
    )


def _handed_back(notification):
    support_request = _request(notification)
    if support_request is None or support_request.status == SupportRequest.Status.CLOSED:
        return None
    if notification.recipient_id == support_request.requester_id:
        return _message(
            support_request,
            _("Your peer supporter has had to step back"),
            "support_handed_back_requester",
        )
    if support_request.status != SupportRequest.Status.NEW:
        return None  # someone else has been assigned since
    return _message(
        support_request,
        _("Peer-support request %(number)s needs another supporter")
        % {"number": support_request.pk},
        "support_handed_back_coordinator",
        number=support_request.pk,
        reason=notification.payload.get("reason_label", ""),
    )


def _withdrawn(notification):
    support_request = _request(notification)
    if (
        support_request is None
        or support_request.outcome != Outcome.WITHDRAWN
        or notification.recipient_id != notification.payload.get("supporter_id")
    ):
        return None
    return _message(
        support_request,
        _("A colleague you support has withdrawn their request"),
        "support_withdrawn",
        url=reverse("peergroups:support_requests"),
    )


def _contact_changed(notification):
    support_request = _request(notification)
    if (
        support_request is None
        or support_request.status != SupportRequest.Status.ASSIGNED
        or support_request.supporter_id != notification.recipient_id
    ):
        return None
    return _message(
        support_request,
        _("A colleague you support has changed how to contact them"),
        "support_contact_changed",
    )


def _closed(notification):
    support_request = _request(notification)
    if (
        support_request is None
        or support_request.status != SupportRequest.Status.CLOSED
        or support_request.outcome == Outcome.WITHDRAWN
        or notification.recipient_id != support_request.requester_id
    ):
        return None
    return _message(support_request, _("Your peer support has been closed"), "support_closed")


def _safety_concern(notification):
    support_request = _request(notification)
    if support_request is None:
        return None
    supporter_name = notification.payload.get("supporter_name", "")
    return _message(
        support_request,
        _("Urgent: a peer supporter is worried about a colleague's safety (request %(number)s)")
        % {"number": support_request.pk},
        "support_safety_concern",
        number=support_request.pk,
        supporter_name=supporter_name,
        supporter_email=notification.payload.get("supporter_email", ""),
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
    registry.Kind(
        FIRST_CONTACT_REMINDER,
        _("Reminders to make first contact with a colleague you support"),
        _first_contact_reminder,
        optional=False,
    ),
    registry.Kind(
        FIRST_CONTACT_OVERDUE,
        _("Peer-support first contacts that are overdue (coordinators)"),
        _first_contact_overdue,
    ),
    registry.Kind(
        HANDED_BACK,
        _("A peer supporter steps back from a request"),
        _handed_back,
        prompt=False,
        optional=False,
    ),
    registry.Kind(
        WITHDRAWN,
        _("A colleague withdraws their request for peer support"),
        _withdrawn,
        prompt=False,
        optional=False,
    ),
    registry.Kind(
        CONTACT_CHANGED,
        _("A colleague you support changes how to contact them"),
        _contact_changed,
        prompt=False,
        optional=False,
    ),
    registry.Kind(
        CLOSED,
        _("Your peer support is closed"),
        _closed,
        prompt=False,
        optional=False,
    ),
    # Not held back by quiet hours, and always emailed: someone may be at risk.
    registry.Kind(
        SAFETY_CONCERN,
        _("A peer supporter is worried about a colleague's safety (coordinators)"),
        _safety_concern,
        prompt=False,
        optional=False,
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


def _coordinators(organisation_id: int, *, excluding=()):
    """The organisation's active programme admins, who coordinate its peer support."""
    return [
        grant.user
        for grant in RoleGrant.objects.filter(
            organisation_id=organisation_id,
            role=Role.PROGRAMME_ADMIN,
            user__is_active=True,
        )
        .exclude(user_id__in=[pk for pk in excluding if pk is not None])
        .select_related("user")
        .order_by("user_id")
    ]


def _tell_coordinators(support_request, kind, due_at, *, excluding=(), **payload) -> None:
    """Schedule `kind` for each coordinator; never for the requester (a programme admin
    may ask for support too), nor for anyone in `excluding`."""
    for coordinator in _coordinators(
        support_request.organisation_id,
        excluding=[support_request.requester_id, *excluding],
    ):
        _schedule(support_request, coordinator, kind, due_at, **payload)


def request_waiting(support_request: SupportRequest) -> None:
    """Tell the organisation's coordinators that a request needs a supporter."""
    _tell_coordinators(support_request, REQUEST_NEW, timezone.now())
    dispatch_soon()


def supporter_assigned(support_request: SupportRequest) -> None:
    """Tell both people. First contact's reminder and alert come from beat's scan."""
    now = timezone.now()
    notifications_cancel(target=support_request, kinds=[CHECKIN_DUE, *FIRST_CONTACT_KINDS])
    payload = {"supporter_id": support_request.supporter_id}
    _schedule(support_request, support_request.supporter, ASSIGNED, now, **payload)
    _schedule(support_request, support_request.requester, ASSIGNED, now, **payload)
    dispatch_soon()


def first_contact_recorded(support_request: SupportRequest) -> None:
    """First contact is made: nobody needs reminding of it or alerting about it."""
    notifications_cancel(target=support_request, kinds=FIRST_CONTACT_KINDS)


def schedule_first_contact_prompts(now: datetime.datetime | None = None) -> int:
    """Beat's scan: remind supporters before first contact is due, alert coordinators
    once it is overdue. Safe to run at any moment, twice or at once: each prompt is
    keyed on a due time fixed by the assignment. Returns how many it looked at."""
    now = now or timezone.now()
    waiting = list(
        SupportRequest.objects.filter(
            status=SupportRequest.Status.ASSIGNED,
            first_contacted_on__isnull=True,
            first_contact_due__lte=now + REMINDER_LEAD,
            first_contact_due__gt=now - SCAN_LOOKBACK,
            supporter__is_active=True,
        )
        .select_related("organisation", "supporter")
        .order_by("first_contact_due", "pk")
    )
    for support_request in waiting:
        payload = {"supporter_id": support_request.supporter_id}
        remind_at = first_contact_reminder_at(support_request)
        if remind_at <= now < support_request.first_contact_due:
            _schedule(
                support_request,
                support_request.supporter,
                FIRST_CONTACT_REMINDER,
                remind_at,
                **payload,
            )
        elif support_request.first_contact_due <= now:
            _tell_coordinators(
                support_request,
                FIRST_CONTACT_OVERDUE,
                support_request.first_contact_due,
                **payload,
            )
    if waiting:
        dispatch_soon()
    return len(waiting)


def handed_back(support_request: SupportRequest, *, supporter_id: int, reason_label: str) -> None:
    """The supporter stepped back: the coordinators are asked to reassign, the requester
    is told someone else will be found; the supporter's prompts stop."""
    notifications_cancel(
        target=support_request, kinds=[ASSIGNED, CHECKIN_DUE, *FIRST_CONTACT_KINDS]
    )
    now = timezone.now()
    _tell_coordinators(
        support_request,
        HANDED_BACK,
        now,
        excluding=[supporter_id],
        supporter_id=supporter_id,
        reason_label=reason_label,
    )
    _schedule(support_request, support_request.requester, HANDED_BACK, now)
    dispatch_soon()


def withdrawn(support_request: SupportRequest, *, supporter_id: int | None) -> None:
    """The requester withdrew: nothing more goes out about the request, except telling
    the supporter, if there was one."""
    notifications_cancel(target=support_request)
    if supporter_id is not None:
        _schedule(
            support_request,
            support_request.supporter,
            WITHDRAWN,
            timezone.now(),
            supporter_id=supporter_id,
        )
        dispatch_soon()


def contact_changed(support_request: SupportRequest) -> None:
    """Tell the supporter, if there is one, to look at how to make contact now."""
    if support_request.supporter is not None:
        _schedule(support_request, support_request.supporter, CONTACT_CHANGED, timezone.now())
        dispatch_soon()


def safety_concern(support_request: SupportRequest) -> None:
    """Alert the coordinators, now and by email, that the supporter is worried about the
    person's safety. Keyed on the moment it was raised: once per time raised."""
    supporter = support_request.supporter
    _tell_coordinators(
        support_request,
        SAFETY_CONCERN,
        support_request.safety_concern_at,
        excluding=[support_request.supporter_id],
        supporter_name=supporter.get_full_name() if supporter else "",
        supporter_email=supporter.email if supporter else "",
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
    """The supporter closed the support: its prompts stop, and the requester is told."""
    notifications_cancel(
        target=support_request, kinds=[CHECKIN_DUE, REQUEST_NEW, *FIRST_CONTACT_KINDS]
    )
    _schedule(support_request, support_request.requester, CLOSED, timezone.now())
    dispatch_soon()
