"""Account changes made on a person's behalf, each audited."""

from allauth.account.models import EmailAddress
from django.db import transaction

from audit.services import audit_log


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
