"""Facilitators from outside the organisation (seed 004): invited for groups, nothing more.

An external facilitator gets a sign-in and the facilitator role in the
organisation, and no staff profile there: staff figures, denominators and the
people directory count staff profiles, so they are never counted as staff.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.sessions import user_sessions_end
from audit.services import audit_log
from kernel.models import Organisation, Role, RoleGrant, StaffProfile
from kernel.queueing import enqueue_after_commit
from supervision.services.people import role_grant, role_remove

from ..models import ExternalFacilitator, Group


def _queue_invitation(external: ExternalFacilitator) -> None:
    from ..tasks import send_external_facilitator_invitation

    enqueue_after_commit(send_external_facilitator_invitation, external.pk)


@transaction.atomic
def external_facilitator_invite(
    *,
    actor,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    affiliation: str = "",
) -> ExternalFacilitator:
    """Invite someone from outside to facilitate the organisation's groups.

    Someone who already signs in here (an external facilitator of another
    organisation, or staff of one) keeps their account and is given the role;
    someone on this organisation's staff is refused: they get the role from
    their own page instead.
    """
    User = get_user_model()
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if StaffProfile.objects.filter(user=user, organisation=organisation).exists():
            raise ValidationError(
                {
                    "email": _(
                        "This person works here. Give them the facilitator role from "
                        "their page in People instead"
                    )
                }
            )
        if ExternalFacilitator.objects.filter(user=user, organisation=organisation).exists():
            raise ValidationError({"email": _("This person is already an external facilitator")})
        if not user.is_active and not _on_a_staff_list(user):
            # An external facilitator whose role ended: invited back, they sign in again.
            if user.anonymised_at is not None:
                raise ValidationError(
                    {"email": _("This person's details were removed. Invite them with a new email")}
                )
            user.is_active = True
            user.save(update_fields=["is_active"])
    else:
        user = User(email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    role_grant(actor=actor, user=user, organisation=organisation, role=Role.FACILITATOR)
    external = ExternalFacilitator(
        user=user,
        organisation=organisation,
        affiliation=affiliation.strip(),
        invited_by=actor,
        invited_at=timezone.now(),
    )
    external.full_clean()
    external.save()
    audit_log(
        actor=actor,
        action="external_facilitator.invited",
        target=external,
        organisation_id=organisation.pk,
        summary=f"Invited {user.email} as an external facilitator",
        details={"user_id": user.pk},
    )
    _queue_invitation(external)
    return external


@transaction.atomic
def external_facilitator_end(*, actor, external: ExternalFacilitator) -> None:
    """Take the facilitator role away from someone from outside; their history stays.

    Someone left with no role and no staff profile anywhere has nothing to sign in
    for: their account is deactivated and their signed-in sessions end.
    """
    running = Group.objects.filter(
        organisation=external.organisation, is_active=True, facilitators=external.user
    )
    if running.exists():
        raise ValidationError(
            _(
                "They still facilitate a group here. Choose other facilitators for "
                "their groups first."
            )
        )
    role_remove(
        actor=actor, user=external.user, organisation=external.organisation, role=Role.FACILITATOR
    )
    audit_log(
        actor=actor,
        action="external_facilitator.ended",
        target=external,
        organisation_id=external.organisation_id,
        summary=f"{external.user.email} is no longer an external facilitator",
        details={"user_id": external.user_id},
    )
    external.delete()
    user = external.user
    if not RoleGrant.objects.filter(user=user).exists() and not _on_a_staff_list(user):
        user.is_active = False
        user.save(update_fields=["is_active"])
        user_sessions_end(user=user)


def _on_a_staff_list(user) -> bool:
    return StaffProfile.objects.filter(user=user).exists()
