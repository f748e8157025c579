"""Supervision agreements: requested, accepted by both, ended by either."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log, words_given
from kernel.models import Programme, StaffProfile

from ..allowances import eligibility
from ..models import Agreement, SupervisorProfile
from ..notifications import agreement_changed
from ..pairing import pairing_refusal
from .capacity import has_capacity


@transaction.atomic
def agreement_request(*, actor, supervisor, programme: Programme, message: str = "") -> Agreement:
    """A supervisee asks a supervisor to supervise them under a programme."""
    supervisee = actor
    profile = StaffProfile.objects.select_for_update().filter(user=supervisee).first()
    allowed = eligibility(programme, profile)
    if not allowed.eligible:
        raise ValidationError(allowed.reason)
    supervisor_profile = (
        SupervisorProfile.objects.select_for_update().filter(user=supervisor).first()
    )
    if (
        supervisor_profile is None
        or not supervisor_profile.programmes.filter(pk=programme.pk).exists()
    ):
        raise ValidationError(_("This supervisor does not supervise in that programme."))
    refusal = pairing_refusal(supervisor, supervisee)
    if refusal:
        raise ValidationError(refusal)
    if (
        Agreement.objects.current()
        .filter(programme=programme, supervisor=supervisor, supervisee=supervisee)
        .exists()
    ):
        raise ValidationError(_("You already have an agreement with this supervisor."))
    if not supervisor_profile.accepting_new or not has_capacity(
        supervisor, profile=supervisor_profile
    ):
        raise ValidationError(_("This supervisor is not taking on new supervisees at the moment."))
    today = timezone.localdate()
    agreement = Agreement(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        start_date=today,
        review_date=today + datetime.timedelta(days=365),
        request_message=message.strip(),
    )
    agreement.full_clean()
    agreement.save()
    audit_log(
        actor=actor,
        action="agreement.requested",
        target=agreement,
        organisation_id=programme.organisation_id,
        summary=f"{supervisee.email} asked {supervisor.email} for supervision",
        details=words_given(message=agreement.request_message),
    )
    agreement_changed(agreement, "agreement_requested", actor=actor)
    return agreement


@transaction.atomic
def agreement_update_terms(*, actor, agreement: Agreement, **terms) -> Agreement:
    """The supervisor changes the terms; both then accept them afresh."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if actor.pk != agreement.supervisor_id or agreement.ended_at:
        raise ValidationError(_("Only the supervisor can change a current agreement."))
    for field in (
        "ground_rules",
        "frequency",
        "confidentiality_limits",
        "start_date",
        "review_date",
    ):
        setattr(agreement, field, terms[field])
    agreement.supervisor_accepted_at = None
    agreement.supervisee_accepted_at = None
    agreement.full_clean()
    agreement.save()
    audit_log(
        actor=actor,
        action="agreement.changed",
        target=agreement,
        organisation_id=agreement.programme.organisation_id,
        summary="Agreement terms changed; both need to accept again",
    )
    agreement_changed(agreement, "agreement_changed", actor=actor)
    return agreement


@transaction.atomic
def agreement_accept(*, actor, agreement: Agreement) -> Agreement:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.ended_at:
        raise ValidationError(_("This agreement has ended."))
    refusal = pairing_refusal(agreement.supervisor, agreement.supervisee)
    if refusal:
        raise ValidationError(refusal)
    now = timezone.now()
    if actor.pk == agreement.supervisor_id:
        if agreement.supervisor_accepted_at is None:
            profile = SupervisorProfile.objects.filter(user=actor).first()
            active = Agreement.objects.active().filter(supervisor=actor).count()
            if profile is None or active >= profile.capacity:
                raise ValidationError(
                    _("You are already supervising as many people as your capacity allows.")
                )
        newly_accepted = agreement.supervisor_accepted_at is None
        agreement.supervisor_accepted_at = agreement.supervisor_accepted_at or now
    elif actor.pk == agreement.supervisee_id:
        newly_accepted = agreement.supervisee_accepted_at is None
        agreement.supervisee_accepted_at = agreement.supervisee_accepted_at or now
    else:
        raise ValidationError(_("Only the two people in an agreement can accept it."))
    agreement.save()
    audit_log(
        actor=actor,
        action="agreement.accepted",
        target=agreement,
        organisation_id=agreement.programme.organisation_id,
        summary=f"Agreement accepted by {actor.email}",
    )
    if newly_accepted:
        agreement_changed(agreement, "agreement_accepted", actor=actor)
    return agreement


@transaction.atomic
def agreement_end(*, actor, agreement: Agreement, reason: str) -> Agreement:
    """Either person ends the agreement; sessions still to come are cancelled."""
    from .sessions import session_cancel

    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if actor.pk not in (agreement.supervisor_id, agreement.supervisee_id):
        raise ValidationError(_("Only the two people in an agreement can end it."))
    if agreement.ended_at:
        raise ValidationError(_("This agreement has already ended."))
    declined = agreement.status == Agreement.Status.PROPOSED and actor.pk == agreement.supervisor_id
    agreement.ended_at = timezone.now()
    agreement.ended_by = actor
    agreement.end_reason = reason
    agreement.save()
    for session in agreement.sessions.upcoming():
        session_cancel(actor=actor, session=session, reason=_("The agreement has ended."))
    audit_log(
        actor=actor,
        action="agreement.ended",
        target=agreement,
        organisation_id=agreement.programme.organisation_id,
        summary=f"Agreement ended by {actor.email}",
        details=words_given(reason=reason),
    )
    agreement_changed(
        agreement, "agreement_declined" if declined else "agreement_ended", actor=actor
    )
    return agreement
