"""Peer support after hard events: asking, assigning, checking in, closing (seed 001).

Audit entries name ids and statuses only: a request's content is for the
requester and the supporter, and the audit log is read by administrators.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.models import StaffProfile

from .. import notifications_peer
from ..models import CheckIn, PeerSupporterProfile, SupportRequest
from ..permissions.peer_support import active_support_count, supporters_of

# TRiM-style schedule: first contact within 72 hours, a follow-up about a month later.
FIRST_CONTACT_WITHIN = datetime.timedelta(hours=72)
FOLLOW_UP_AFTER = datetime.timedelta(days=28)


def suggested_next_due(day: datetime.date) -> datetime.date:
    return day + FOLLOW_UP_AFTER


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


def _assign(*, support_request: SupportRequest, supporter) -> None:
    _check_supporter(support_request=support_request, supporter=supporter)
    support_request.supporter = supporter
    support_request.status = SupportRequest.Status.ASSIGNED
    support_request.assigned_at = timezone.now()
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
        first_contact_due=now + FIRST_CONTACT_WITHIN,
    )
    support_request.full_clean()
    support_request.save()
    if supporter is not None:
        _assign(support_request=support_request, supporter=supporter)
    else:
        notifications_peer.request_waiting(support_request)
    audit_log(
        actor=actor,
        action="support_request.created",
        target=support_request,
        organisation_id=support_request.organisation_id,
        summary=f"Peer support request {support_request.pk} made ({support_request.status})",
        details={"status": support_request.status, "supporter_id": support_request.supporter_id},
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
    audit_log(
        actor=actor,
        action="support_request.assigned",
        target=support_request,
        organisation_id=support_request.organisation_id,
        summary=f"Peer support request {support_request.pk} assigned",
        details={
            "status": support_request.status,
            "supporter_id": supporter.pk,
            "previous_supporter_id": previous,
        },
    )
    return support_request


def _lock_for_supporter(*, actor, support_request: SupportRequest) -> SupportRequest:
    support_request = (
        SupportRequest.objects.select_for_update()
        .select_related("organisation")
        .get(pk=support_request.pk)
    )
    if support_request.supporter_id != actor.pk:
        raise ValidationError(_("Only the assigned supporter can do this."))
    if support_request.status != SupportRequest.Status.ASSIGNED:
        raise ValidationError(_("This request is closed."))
    return support_request


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
    support_request = _lock_for_supporter(actor=actor, support_request=support_request)
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


@transaction.atomic
def support_request_close(
    *, actor, support_request: SupportRequest, outcome: str
) -> SupportRequest:
    """The supporter closes the support with an outcome (where, if anywhere, they signposted)."""
    support_request = _lock_for_supporter(actor=actor, support_request=support_request)
    support_request.status = SupportRequest.Status.CLOSED
    support_request.outcome = outcome
    support_request.closed_at = timezone.now()
    support_request.full_clean()
    support_request.save()
    notifications_peer.request_closed(support_request)
    audit_log(
        actor=actor,
        action="support_request.closed",
        target=support_request,
        organisation_id=support_request.organisation_id,
        summary=f"Peer support request {support_request.pk} closed",
        details={"status": support_request.status, "outcome": outcome},
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
