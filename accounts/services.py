"""Account changes made on a person's behalf, each audited."""

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_log
from kernel.permissions import get_own_profile

from .models import nmc_pin_clean


@transaction.atomic
def sso_account_connect(*, request, sociallogin, user, profile, email: str):
    """Connect an invited person's Microsoft account to them and verify their address.

    The organisation's directory vouched for the address, as an invitation link
    does, so it is marked verified and primary.
    """
    sociallogin.connect(request, user)
    EmailAddress.objects.update_or_create(
        user=user,
        email__iexact=email,
        defaults={"email": email, "verified": True, "primary": True},
    )
    audit_log(
        actor=user,
        action="account.sso_connected",
        target=user,
        organisation_id=profile.organisation_id,
        summary=f"{email} connected a Microsoft account",
        details={"provider": sociallogin.account.provider},
    )
    return sociallogin.account


@transaction.atomic
def invitation_accept(*, user, form):
    """Set an invited person's first password (`form`, valid) and verify their address.

    The link came to this address, so the address is verified. The entry is
    written under the person's organisation, so its programme admins see who
    has joined.
    """
    form.save()
    EmailAddress.objects.update_or_create(
        user=user,
        email__iexact=user.email,
        defaults={"email": user.email, "verified": True, "primary": True},
    )
    audit_log(
        actor=user,
        action="invitation.accepted",
        target=user,
        organisation_id=_organisation_id(user),
        summary=f"{user.email} accepted their invitation",
    )
    return user


def _organisation_id(user) -> int | None:
    profile = get_own_profile(user)
    return profile.organisation_id if profile is not None else None


@transaction.atomic
def user_nmc_pin_set(*, user, nmc_pin: str):
    """Store the person's own NMC PIN (normalised), or remove it when blank.

    The audit entry says that it changed, never the PIN: the audit log is read by
    programme admins, and the PIN is the person's alone to see.
    """
    try:
        pin = nmc_pin_clean(nmc_pin)
    except ValidationError as error:
        raise ValidationError({"nmc_pin": error.messages}) from None
    if pin == user.nmc_pin:
        return user
    user.nmc_pin = pin
    user.save(update_fields=["nmc_pin"])
    audit_log(
        actor=user,
        action="account.nmc_pin_set" if pin else "account.nmc_pin_removed",
        target=user,
        organisation_id=_organisation_id(user),
        summary="NMC PIN saved" if pin else "NMC PIN removed",
    )
    return user
