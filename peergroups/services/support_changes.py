"""Peer support when plans change: a supporter steps back or is worried about someone's
safety, a requester withdraws or changes how to be contacted (seed 001).

As in services/peer_support.py, audit entries name ids, statuses and reasons
from a list only: never what happened, how to make contact, or anything said.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.dates import format_moment

from .. import notifications_peer
from ..models import (
    HandbackReason,
    Outcome,
    PeerSupportSettings,
    SupportHandback,
    SupportRequest,
)
from ..permissions.peer_support import REQUESTER, SUPPORTER
from .peer_support import audit_request, close, lock_for

# A supporter's safety alert is not sent again within this time: the coordinators
# have it, and the page tells the supporter to phone if they are still worried.
SAFETY_ALERT_AGAIN_AFTER = datetime.timedelta(hours=12)


@transaction.atomic
def support_request_hand_back(
    *, actor, support_request: SupportRequest, reason: str
) -> SupportHandback:
    """The supporter declines (before first contact) or hands back (after) the request.

    It waits for a supporter again, with the time it was due; the coordinators are
    asked to reassign (and will not be offered this supporter again), and the
    requester is told, without the reason.
    """
    support_request = lock_for(actor=actor, support_request=support_request, role=SUPPORTER)
    if reason not in HandbackReason.values:
        raise ValidationError({"reason": _("Choose why you are stepping back")})
    handback = SupportHandback(
        request=support_request,
        supporter=actor,
        reason=reason,
        after_first_contact=support_request.first_contacted_on is not None,
    )
    handback.full_clean()
    handback.save()
    support_request.status = SupportRequest.Status.NEW
    support_request.supporter = None
    support_request.assigned_at = None
    support_request.first_contacted_on = None
    support_request.full_clean()
    support_request.save()
    notifications_peer.handed_back(
        support_request,
        supporter_id=actor.pk,
        reason_label=str(HandbackReason(reason).label),
    )
    audit_request(
        actor=actor,
        support_request=support_request,
        action="support_request.handed_back",
        summary=f"Peer support request {support_request.pk} handed back by its supporter",
        supporter_id=actor.pk,
        reason=reason,
        after_first_contact=handback.after_first_contact,
    )
    return handback


@transaction.atomic
def support_request_withdraw(*, actor, support_request: SupportRequest) -> SupportRequest:
    """The requester withdraws their request, waiting or under way. It closes; their
    supporter, if they have one, is told; nothing more is sent about it."""
    support_request = lock_for(actor=actor, support_request=support_request, role=REQUESTER)
    supporter_id = support_request.supporter_id
    close(support_request, Outcome.WITHDRAWN)
    notifications_peer.withdrawn(support_request, supporter_id=supporter_id)
    audit_request(
        actor=actor,
        support_request=support_request,
        action="support_request.withdrawn",
        summary=f"Peer support request {support_request.pk} withdrawn by the requester",
        outcome=Outcome.WITHDRAWN,
    )
    return support_request


@transaction.atomic
def support_request_contact_change(
    *, actor, support_request: SupportRequest, contact_mode: str, contact_detail: str
) -> SupportRequest:
    """The requester changes how they would like to be contacted; their supporter is
    told to look (the new details are in the app only, never in the message)."""
    support_request = lock_for(actor=actor, support_request=support_request, role=REQUESTER)
    support_request.contact_mode = contact_mode
    support_request.contact_detail = contact_detail
    support_request.full_clean()
    support_request.save(update_fields=["contact_mode", "contact_detail"])
    notifications_peer.contact_changed(support_request)
    audit_request(
        actor=actor,
        support_request=support_request,
        action="support_request.contact_changed",
        summary=f"Contact preferences changed on peer support request {support_request.pk}",
    )
    return support_request


@transaction.atomic
def safety_concern_raise(*, actor, support_request: SupportRequest) -> SupportRequest:
    """The supporter tells the coordinators they are worried about the person's safety.

    Nothing clinical is recorded: only when. The coordinators are alerted at once
    (email and in the app, whatever the hour). Not again within
    SAFETY_ALERT_AGAIN_AFTER, so that a second press does not alarm them twice.
    """
    support_request = lock_for(actor=actor, support_request=support_request, role=SUPPORTER)
    now = timezone.now()
    last = support_request.safety_concern_at
    if last is not None and now - last < SAFETY_ALERT_AGAIN_AFTER:
        raise ValidationError(
            _(
                "You told the coordinators at %(time)s. If you are still worried, phone "
                "them, or call 999 if anyone's life is at risk."
            )
            % {"time": format_moment(last, support_request.organisation.time_zone)}
        )
    support_request.safety_concern_at = now
    support_request.save(update_fields=["safety_concern_at"])
    notifications_peer.safety_concern(support_request)
    audit_request(
        actor=actor,
        support_request=support_request,
        action="support_request.safety_concern",
        summary=f"Safety concern raised on peer support request {support_request.pk}",
    )
    return support_request


SETTINGS_FIELDS = (
    "eap_name",
    "eap_phone",
    "eap_hours",
    "occupational_health_phone",
    "occupational_health_email",
    "coordinator_phone",
    "first_contact_hours",
)


@transaction.atomic
def peer_support_settings_update(
    *, actor, settings: PeerSupportSettings, **values
) -> PeerSupportSettings:
    """A programme admin sets where to get urgent help and the first-contact deadline.

    A new deadline applies to supporters assigned from now on; those already
    assigned keep the one they were given.
    """
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown peer support settings: {sorted(unknown)}")
    saved, _created = PeerSupportSettings.objects.select_for_update().get_or_create(
        organisation_id=settings.organisation_id
    )
    for name, value in values.items():
        setattr(saved, name, value)
    saved.full_clean()
    saved.save()
    audit_log(
        actor=actor,
        action="peer_support_settings.updated",
        target=saved,
        organisation_id=saved.organisation_id,
        summary=f"Peer support settings of organisation {saved.organisation_id} updated",
        details={name: str(getattr(saved, name)) for name in SETTINGS_FIELDS},
    )
    return saved
