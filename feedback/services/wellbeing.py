"""Wellbeing check-ins: how someone feels about work, and asking for peer support.

The comment and the feeling are their author's alone; the audit log names ids only.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.models import StaffProfile
from peergroups.services.peer_support import support_request_create

from ..models import WellbeingCheckIn


@transaction.atomic
def wellbeing_checkin_create(
    *,
    actor,
    feeling: int,
    comment: str = "",
    wants_peer_support: bool = False,
    consent: bool = False,
    contact_mode: str = "",
    contact_detail: str = "",
) -> WellbeingCheckIn:
    """Record a check-in; with consent, ask for a peer supporter to make contact.

    Department, band and profession are copied from the person's profile as
    they are today, so that aggregates describe people as they were then.
    """
    profile = StaffProfile.objects.filter(user=actor).first()
    if profile is None:
        raise ValidationError(_("Only staff of an organisation can check in."))
    if wants_peer_support and not consent:
        raise ValidationError(
            {"consent": _("Confirm that you agree to a peer supporter contacting you")}
        )
    checkin = WellbeingCheckIn(
        author=actor,
        organisation_id=profile.organisation_id,
        department_id=profile.department_id,
        band=profile.band,
        profession=profile.profession,
        feeling=feeling,
        comment=comment.strip(),
        wants_peer_support=wants_peer_support,
    )
    checkin.full_clean()
    if wants_peer_support:
        # The comment stays with its author: the request carries only how to make contact.
        support_request = support_request_create(
            actor=actor, contact_mode=contact_mode, contact_detail=contact_detail.strip()
        )
        checkin.support_request_id = support_request.pk
    checkin.save()
    audit_log(
        actor=actor,
        action="wellbeing_checkin.created",
        target=checkin,
        organisation_id=checkin.organisation_id,
        summary=f"Wellbeing check-in {checkin.pk} made",
    )
    return checkin
