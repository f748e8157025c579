"""Who must protect their account with two-factor authentication.

Programme admins (of any organisation), wellbeing leads and Django staff users
see or change other people's data, so a stolen password alone must not be
enough to act as them.
"""

from allauth.mfa.models import Authenticator

from kernel.models import Role
from kernel.permissions import user_roles

MFA_ROLES: frozenset[str] = frozenset({Role.PROGRAMME_ADMIN, Role.WELLBEING_LEAD})


def mfa_required(user) -> bool:
    """Whether `user` must have an authenticator app (reuses the roles cached on the user)."""
    if not user.is_authenticated:
        return False
    return user.is_staff or bool(MFA_ROLES & user_roles(user))


def has_totp(user) -> bool:
    """Whether `user` has set up an authenticator app (one query)."""
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
