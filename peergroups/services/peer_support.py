"""Peer support after hard events: asking, assigning, checking in, closing (seed 001).

Audit entries name ids and statuses only: a request's content is for the
requester and the supporter, and the audit log is read by administrators.
"""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.dates import refuse_future_date
from kernel.models import StaffProfile

from .. import notifications_peer
from ..models import CheckIn, Outcome, PeerSupporterProfile, SupportRequest
from ..permissions.peer_support import (
    SUPPORTER,
    active_support_count,
    support_settings_for,
    supporters_of,
)

# TRiM-style schedule: first contact within 72 hours (the default of each
# organisation's peer-support settings), a follow-up about a month later.
FIRST_CONTACT_WITHIN = datetime.timedelta(hours=72)
FOLLOW_UP_AFTER = datetime.timedelta(days=28)


def suggested_next_due(day: datetime.date) -> datetime.date:
    return day + FOLLOW_UP_AFTER


def first_contact_within(organisation_id: int) -> datetime.timedelta:
    """How long a supporter has, from being assigned, to make first contact."""
    return support_settings_for(organisation_id).first_contact_within


def _local_date(support_request: SupportRequest, moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(zoneinfo.ZoneInfo(support_request.organisation.time_zone)).date()


def first_contact_check(support_request: SupportRequest, day: datetime.date) -> None:
    """The rule for a date of first contact: not in the future (kernel.dates' one rule),
    and not before the supporter was assigned, both in the organisation's zone.
    Raises a ValidationError on `first_contacted_on`."""
    refuse_future_date(
        day,
        field="first_contacted_on",
        message=_("The date of first contact must be today or in the past"),
        time_zone=support_request.organisation.time_zone,
    )
    if support_request.assigned_at is not None:
        assigned_on = _local_date(support_request, support_request.assigned_at)
        if day < assigned_on:
            raise ValidationError(
                {
                    "first_contacted_on": _(
                        "The date of first contact must be on or after %(date)s, when you "
                        "were asked to support them"
                    )
                    % {"date": formats.date_format(assigned_on, "j F Y")}
                }
            )


def _check_supporter(*, support_request: SupportRequest, supporter) -> None:
    """Refuse a supporter who is the requester, their line manager, a colleague from
    their own department, or who is not free to take someone on."""
    if supporter.pk == support_request.requester_id:
        raise ValidationError({"supporter": _("Nobody can be their own peer supporter.")})
    # Locked, so that two assignments at once cannot take a supporter past capacity.
    profile = (
        supporters_of(support_request.organisation_id)
        .select_for_update()
        .filter(user=supporter)
        .first()
    )
    if profile is None:
        raise ValidationError(
            {"supporter": _("This person is not a peer supporter in this organisation.")}
        )
    requester = StaffProfile.objects.filter(user_id=support_request.requester_id).first()
    theirs = StaffProfile.objects.filter(user=supporter).first()
    if requester is not None and theirs is not None:
        if requester.line_manager_id == theirs.pk:
            raise ValidationError(
                {
                    "supporter": _(
                        "This supporter is the requester's line manager. Peer support is "
                        "kept apart from line management: choose someone else."
                    )
                }
            )
        if requester.department_id and requester.department_id == theirs.department_id:
            raise ValidationError(
                {
                    "supporter": _(
                        "This supporter works in the requester's own department. Choose a "
                        "supporter from another department."
                    )
                }
            )
    if not profile.available or active_support_count(supporter) >= profile.capacity:
        raise ValidationError(
            {"supporter": _("This supporter is not taking on anyone new at the moment.")}
        )
    if support_request.pk and support_request.handbacks.filter(supporter=supporter).exists():
        raise ValidationError(
            {
                "supporter": _(
                    "This supporter has already handed this request back. Choose someone else."
                )
            }
        )


def _assign(*, support_request: SupportRequest, supporter) -> None:
    _check_supporter(support_request=support_request, supporter=supporter)
    now = timezone.now()
    support_request.supporter = supporter
    support_request.status = SupportRequest.Status.ASSIGNED
    support_request.assigned_at = now
    # A new supporter has the organisation's full time to make first contact.
    support_request.first_contact_due = now + first_contact_within(support_request.organisation_id)
    support_request.first_contacted_on = None
    support_request.full_clean()
    support_request.save()
    notifications_peer.supporter_assigned(support_request)


@transaction.atomic
def support_request_create(
    *,
    actor,
    contact_mode: str,
    event_kind: str = "",
    contact_detail: str = "",
    note: str = "",
    supporter=None,
) -> SupportRequest:
    """A member of staff asks for peer support, optionally naming a supporter."""
    profile = StaffProfile.objects.select_related("organisation").filter(user=actor).first()
    if profile is None:
        raise ValidationError(_("Only staff of an organisation can ask for peer support."))
    now = timezone.now()
    support_request = SupportRequest(
        organisation=profile.organisation,
        requester=actor,
        event_kind=event_kind,
        contact_mode=contact_mode,
        contact_detail=contact_detail,
        note=note,
        first_contact_due=now + first_contact_within(profile.organisation_id),
    )
    support_request.full_clean()
    support_request.save()
    if supporter is not None:
        _assign(support_request=support_request, supporter=supporter)
    else:
        notifications_peer.request_waiting(support_request)
    audit_request(
        actor=actor,
        support_request=support_request,
        action="support_request.created",
        summary=f"Peer support request {support_request.pk} made ({support_request.status})",
        supporter_id=support_request.supporter_id,
    )
    return support_request


@transaction.atomic
def support_request_assign(*, actor, support_request: SupportRequest, supporter) -> SupportRequest:
    """The coordinator assigns (or changes) the supporter of an open request."""
    support_request = (
        SupportRequest.objects.select_for_update()
        .select_related("organisation", "requester")
        .get(pk=support_request.pk)
    )
    if support_request.status == SupportRequest.Status.CLOSED:
        raise ValidationError(_("This request is closed."))
    if support_request.supporter_id == supporter.pk:
        raise ValidationError({"supporter": _("This person is already the supporter.")})
    previous = support_request.supporter_id
    _assign(support_request=support_request, supporter=supporter)
    audit_request(
        actor=actor,
        support_request=support_request,
        action="support_request.assigned",
        summary=f"Peer support request {support_request.pk} assigned",
        supporter_id=supporter.pk,
        previous_supporter_id=previous,
    )
    return support_request


def lock_for(*, actor, support_request: SupportRequest, role: str) -> SupportRequest:
    """The request, locked, for something its supporter does (while it is assigned) or
    its requester does (until it is closed); anyone else is refused."""
    support_request = (
        # Only the request's row: its supporter may be none (an outer join, not lockable).
        SupportRequest.objects.select_for_update(of=("self",))
        .select_related("organisation", "supporter")
        .get(pk=support_request.pk)
    )
    if role == SUPPORTER:
        if support_request.supporter_id != actor.pk:
            raise ValidationError(_("Only the assigned supporter can do this."))
        if support_request.status != SupportRequest.Status.ASSIGNED:
            raise ValidationError(_("This request is closed."))
    else:
        if support_request.requester_id != actor.pk:
            raise ValidationError(_("Only the person who asked can do this."))
        if support_request.status == SupportRequest.Status.CLOSED:
            raise ValidationError(_("This request is closed."))
    return support_request


def audit_request(*, actor, support_request: SupportRequest, action: str, summary: str, **details):
    """An audit entry about a request: its id, status and the facts given, never its
    content."""
    return audit_log(
        actor=actor,
        action=action,
        target=support_request,
        organisation_id=support_request.organisation_id,
        summary=summary,
        details={"status": support_request.status, **details},
    )


def close(support_request: SupportRequest, outcome: str) -> None:
    support_request.status = SupportRequest.Status.CLOSED
    support_request.outcome = outcome
    support_request.closed_at = timezone.now()
    support_request.full_clean()
    support_request.save()


@transaction.atomic
def checkin_log(
    *,
    actor,
    support_request: SupportRequest,
    happened_at: datetime.datetime,
    mode: str,
    notes: str = "",
    next_due: datetime.date | None = None,
) -> CheckIn:
    """The supporter records a check-in and when the next one is due."""
    support_request = lock_for(actor=actor, support_request=support_request, role=SUPPORTER)
    if happened_at > timezone.now():
        raise ValidationError({"happened_at": _("A check-in cannot be in the future.")})
    if next_due is not None and next_due <= timezone.localdate(happened_at):
        raise ValidationError({"next_due": _("The next check-in must be after this one.")})
    checkin = CheckIn(
        request=support_request,
        happened_at=happened_at,
        mode=mode,
        notes=notes,
        next_due=next_due,
        logged_by=actor,
    )
    checkin.full_clean()
    checkin.save()
    # A check-in is a contact: the first one since the assignment is first contact.
    if support_request.first_contacted_on is None:
        day = _local_date(support_request, happened_at)
        try:
            first_contact_check(support_request, day)
        except ValidationError:
            pass  # before the assignment: not this supporter's first contact
        else:
            _set_first_contact(support_request, day)
    notifications_peer.checkin_logged(support_request, next_due)
    audit_log(
        actor=actor,
        action="support_checkin.logged",
        target=checkin,
        organisation_id=support_request.organisation_id,
        summary=f"Check-in {checkin.pk} logged on peer support request {support_request.pk}",
        details={"request_id": support_request.pk, "status": support_request.status},
    )
    return checkin


def _set_first_contact(support_request: SupportRequest, day: datetime.date) -> None:
    support_request.first_contacted_on = day
    support_request.full_clean()
    support_request.save(update_fields=["first_contacted_on"])
    notifications_peer.first_contact_recorded(support_request)


@transaction.atomic
def first_contact_record(
    *, actor, support_request: SupportRequest, first_contacted_on: datetime.date
) -> SupportRequest:
    """The supporter records the date they first made contact (a date, nothing of what
    was said); a wrong date can be corrected. Reminders and alerts about it stop."""
    support_request = lock_for(actor=actor, support_request=support_request, role=SUPPORTER)
    first_contact_check(support_request, first_contacted_on)
    _set_first_contact(support_request, first_contacted_on)
    audit_request(
        actor=actor,
        support_request=support_request,
        action="support_request.first_contact",
        summary=f"First contact recorded on peer support request {support_request.pk}",
        on=first_contacted_on.isoformat(),
    )
    return support_request


@transaction.atomic
def support_request_close(
    *, actor, support_request: SupportRequest, outcome: str
) -> SupportRequest:
    """The supporter closes the support with an outcome (where, if anywhere, they
    signposted); the requester is told. Only the requester withdraws."""
    support_request = lock_for(actor=actor, support_request=support_request, role=SUPPORTER)
    if outcome == Outcome.WITHDRAWN:
        raise ValidationError({"outcome": _("Choose the outcome")})
    close(support_request, outcome)
    notifications_peer.request_closed(support_request)
    audit_request(
        actor=actor,
        support_request=support_request,
        action="support_request.closed",
        summary=f"Peer support request {support_request.pk} closed",
        outcome=outcome,
    )
    return support_request


# --- Peer supporters' own profile -------------------------------------------------


def peer_supporter_profile_get_or_create(*, user) -> PeerSupporterProfile:
    profile, _created = PeerSupporterProfile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def peer_supporter_profile_update(
    *,
    actor,
    profile: PeerSupporterProfile,
    available: bool,
    capacity: int,
    training: str = "",
    trained_on: datetime.date | None = None,
    refresher_due: datetime.date | None = None,
) -> PeerSupporterProfile:
    profile = PeerSupporterProfile.objects.select_for_update().get(pk=profile.pk)
    profile.available = available
    profile.capacity = capacity
    profile.training = training
    profile.trained_on = trained_on
    profile.refresher_due = refresher_due
    profile.full_clean()
    profile.save()
    audit_log(
        actor=actor,
        action="peer_supporter.updated",
        target=profile,
        summary=f"Peer supporter profile {profile.pk} updated",
        details={"available": available, "capacity": capacity},
    )
    return profile
